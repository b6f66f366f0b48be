// Registers the built-in OTTL functions (import for its side effect).
import './editors.js';
import './converters.js';
import './metrics.js';
