import type { AppSettings } from './settings-types.ts';

/**
 * How the API key is kept, in words a person can trust: what each front end really does. The
 * desktop app encrypts it with the OS (safeStorage) unless Linux has no keyring; the CLI and serve
 * mode keep it in a file only the user can read, which is private but NOT encrypted.
 */
export function describeKeyStorage(storage: AppSettings['keyStorage']): string {
  switch (storage) {
    case 'os':
      return 'Encrypted by the OS (Keychain / DPAPI / libsecret) on this computer.';
    case 'basic-text':
      return 'NOT encrypted: this system has no keyring, so the key is only obfuscated in a file of the data folder. Install a keyring (GNOME Keyring, KWallet) to protect it.';
    case 'file':
      return 'Kept in a file only your user can read (0600) in the data folder, not encrypted.';
    case 'environment':
      return 'Read from TWELVELABS_API_KEY when the app starts; not stored by TL Uploader.';
    case 'none':
      return 'Kept in memory for this session only; not stored.';
  }
}
