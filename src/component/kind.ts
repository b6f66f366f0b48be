// The five kinds of component. A leaf, so status.ts names it without importing
// component.ts (which imports status.ts).
export type ComponentKind = 'receiver' | 'processor' | 'exporter' | 'extension' | 'connector';
