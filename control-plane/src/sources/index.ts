// The sources folder's public face: where resources come from. Today a folder of YAML, watched.
export { FileSource, type SourceState } from './files.ts';
