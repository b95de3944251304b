// The analyze folder's public face: cross-resource checks over a loaded configuration (weftctl analyze).
export { type AnalyzeOptions, analyze, schemaMessages } from './analyze.ts';
export { type LineOf, yamlLineLocator } from './locate.ts';
export { type AnalysisMessage, byPlace, type Level, MESSAGES, type MessageType } from './messages.ts';
