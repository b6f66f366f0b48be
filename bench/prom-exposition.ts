// A synthetic exposition of N series in the text format, shaped like a busy
// exporter's: counters with a few labels, gauges, and classic histograms
// (12 buckets + sum + count per label set). Values change on every call.

export interface ExpositionGen {
  series: number;
  render(): string;
}

export function makeExposition(series: number): ExpositionGen {
  // one histogram label set = 14 series; counters and gauges 1 each
  const histSets = Math.floor((series * 0.42) / 14);
  const counters = Math.floor(series * 0.29);
  const gauges = series - histSets * 14 - counters;
  const bounds = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];
  const labelsOf = (i: number) =>
    `service="svc-${i % 50}",pod="pod-${Math.floor(i / 50) % 400}-7d9f8b6c5d",method="${['GET', 'POST', 'PUT'][i % 3]}",code="${[200, 404, 500][i % 3]}",route="/api/v1/items/${i % 97}"`;
  const counterLines = Array.from({ length: counters }, (_, i) => `http_requests_total{${labelsOf(i)}} `);
  const gaugeLines = Array.from(
    { length: gauges },
    (_, i) => `process_queue_depth{${labelsOf(i)},queue="q${i % 7}"} `,
  );
  const hist = Array.from({ length: histSets }, (_, i) => labelsOf(i));
  let tick = 0;
  return {
    series: counters + gauges + histSets * 14,
    render() {
      tick++;
      const out: string[] = [
        '# HELP http_requests_total Requests served.',
        '# TYPE http_requests_total counter',
      ];
      for (let i = 0; i < counterLines.length; i++) out.push(counterLines[i] + (i * 7 + tick * 13));
      out.push('# HELP process_queue_depth Queue depth.', '# TYPE process_queue_depth gauge');
      for (let i = 0; i < gaugeLines.length; i++) out.push(gaugeLines[i] + ((i + tick) % 100));
      out.push(
        '# HELP http_request_duration_seconds Latency.',
        '# TYPE http_request_duration_seconds histogram',
      );
      for (let i = 0; i < hist.length; i++) {
        const l = hist[i];
        let c = 0;
        for (let b = 0; b < bounds.length; b++) {
          c += (i + b + tick) % 5;
          out.push(`http_request_duration_seconds_bucket{${l},le="${bounds[b]}"} ${c}`);
        }
        out.push(`http_request_duration_seconds_sum{${l}} ${(c * 0.137).toFixed(3)}`);
        out.push(`http_request_duration_seconds_count{${l}} ${c}`);
      }
      out.push('');
      return out.join('\n');
    },
  };
}
