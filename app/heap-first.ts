// Imported first by main.ts, so that it runs before any other module of the bundle is
// evaluated. Evaluating the 4 MB bundle (schemas, tables, the registry) runs several
// scavenges before main.ts's own code starts: V8 grew the young generation from 1 to 8 MiB
// per semi-space in that stretch (--trace-gc: new space committed 2 -> 16 MiB before the
// first line of main.ts), past the ceiling that capYoungGeneration() then set too late.
import { capYoungGeneration } from '../src/memory/young-generation.js';

// Node's default young generation is 32 MiB resident on a large host; without a heap flag, cap it
capYoungGeneration();
