import { parse } from 'yaml';
const o = parse('__proto__: {polluted: 1}\na: 1\n');
console.log(Object.getPrototypeOf(o) === Object.prototype, Object.keys(o), o.polluted, ({}).polluted);
