// The encode workers' entry (src/exporterhelper/encode-pool.ts): the components'
// request builders that run off the event loop, by name. Bundled on its own
// (scripts/bundle.mjs: dist/tsunagi-encode-worker.mjs) so a worker loads only
// these builders, not the whole binary.
import { buildOffloaded, ES_ENCODER } from '../exporters/elasticsearch/offload.js';
import { serveEncoders } from '../src/exporterhelper/encode-worker.js';

serveEncoders({ [ES_ENCODER]: buildOffloaded });
