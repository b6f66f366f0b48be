import { parse } from 'yaml';
const n = Number(process.argv[2]);
let s = 'a:\n'; for (let i=0;i<n;i++) s += `  k${i}: ${i}\n`;
for (const opts of [{merge:true,uniqueKeys:false},{uniqueKeys:false}]) {
  const c0 = process.cpuUsage(); parse(s, opts); const c = process.cpuUsage(c0);
  console.log(n, JSON.stringify(opts), ((c.user+c.system)/1e6).toFixed(2),'s');
}
