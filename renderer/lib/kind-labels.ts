import { kindOfMime, type MediaKind } from '../../electron/shared/domain.ts';

/** The glyph shown where an asset or upload has no thumbnail (yet), by kind; ▶ when unknown. */
const ICON: Record<MediaKind, string> = { video: '▶', audio: '♪', image: '▣', document: '≡' };

export const kindIcon = (kind: MediaKind | undefined): string => (kind ? ICON[kind] : ICON.video);

/** A library asset's kind from its MIME type: a PDF is a document, not "application". */
export const kindOfAsset = (asset: { fileType?: string }): MediaKind | undefined =>
  kindOfMime(asset.fileType);
