import pkg from '../../package.json' with { type: 'json' };

/**
 * The app's version, written in one place (package.json) and read here only: `--version`, the
 * About panel, the start-up log line and the User-Agent the API sees all say this.
 */
export const APP_VERSION: string = pkg.version;
