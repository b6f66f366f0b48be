// The components built into tsunagi: adding one is a folder plus one line here.

import { factory as countConnector } from '../connectors/count/factory.js';
import { factory as forwardConnector } from '../connectors/forward/factory.js';
import { factory as routingConnector } from '../connectors/routing/factory.js';
import { factory as spanMetricsConnector } from '../connectors/span_metrics/factory.js';
import { factory as debugExporter } from '../exporters/debug/factory.js';
import { factory as elasticsearchExporter } from '../exporters/elasticsearch/factory.js';
import { factory as jaegerExporter } from '../exporters/jaeger/factory.js';
import { factory as loadBalancingExporter } from '../exporters/load_balancing/factory.js';
import { factory as lokiExporter } from '../exporters/loki/factory.js';
import { factory as nopExporter } from '../exporters/nop/factory.js';
import { factory as otlpGrpcExporter } from '../exporters/otlp_grpc/factory.js';
import { factory as otlpHttpExporter } from '../exporters/otlp_http/factory.js';
import { factory as prometheusExporter } from '../exporters/prometheus/factory.js';
import { factory as prometheusRemoteWriteExporter } from '../exporters/prometheus_remote_write/factory.js';
import { factory as basicAuth } from '../extensions/basicauth/factory.js';
import { factory as bearerTokenAuth } from '../extensions/bearertokenauth/factory.js';
import { factory as fileStorage } from '../extensions/file_storage/factory.js';
import { factory as headersSetter } from '../extensions/headers_setter/factory.js';
import { factory as healthCheck } from '../extensions/health_check/factory.js';
import { factory as k8sLeaderElector } from '../extensions/k8s_leader_elector/factory.js';
import { factory as opamp } from '../extensions/opamp/factory.js';
import { factory as pprof } from '../extensions/pprof/factory.js';
import { factory as zpages } from '../extensions/zpages/factory.js';
import { factory as attributesProcessor } from '../processors/attributes/factory.js';
import { factory as batchProcessor } from '../processors/batch/factory.js';
import { factory as filterProcessor } from '../processors/filter/factory.js';
import { factory as k8sAttributesProcessor } from '../processors/k8s_attributes/factory.js';
import { factory as memoryLimiterProcessor } from '../processors/memory_limiter/factory.js';
import { factory as probabilisticSamplerProcessor } from '../processors/probabilistic_sampler/factory.js';
import { factory as resourceProcessor } from '../processors/resource/factory.js';
import { factory as resourceDetectionProcessor } from '../processors/resource_detection/factory.js';
import { factory as tailSamplingProcessor } from '../processors/tail_sampling/factory.js';
import { factory as tracelinkProcessor } from '../processors/tracelink/factory.js';
import { factory as transformProcessor } from '../processors/transform/factory.js';
import { factory as fileLogReceiver } from '../receivers/file_log/factory.js';
import { factory as fluentForwardReceiver } from '../receivers/fluent_forward/factory.js';
import { factory as hostMetricsReceiver } from '../receivers/host_metrics/factory.js';
import { factory as jaegerReceiver } from '../receivers/jaeger/factory.js';
import { factory as k8sClusterReceiver } from '../receivers/k8s_cluster/factory.js';
import { factory as k8sObjectsReceiver } from '../receivers/k8s_objects/factory.js';
import { factory as kubeletStatsReceiver } from '../receivers/kubelet_stats/factory.js';
import { factory as nopReceiver } from '../receivers/nop/factory.js';
import { factory as otlpReceiver } from '../receivers/otlp/factory.js';
import { factory as prometheusReceiver } from '../receivers/prometheus/factory.js';
import { factory as syslogReceiver } from '../receivers/syslog/factory.js';
import { factory as zipkinReceiver } from '../receivers/zipkin/factory.js';
import type { Registry } from '../src/component/component.js';

export const registry: Registry = {
  receivers: [
    otlpReceiver,
    jaegerReceiver,
    fileLogReceiver,
    fluentForwardReceiver,
    zipkinReceiver,
    nopReceiver,
    syslogReceiver,
    prometheusReceiver,
    hostMetricsReceiver,
    k8sObjectsReceiver,
    kubeletStatsReceiver,
    k8sClusterReceiver,
  ],
  processors: [
    batchProcessor,
    memoryLimiterProcessor,
    attributesProcessor,
    resourceProcessor,
    tracelinkProcessor,
    k8sAttributesProcessor,
    transformProcessor,
    filterProcessor,
    tailSamplingProcessor,
    probabilisticSamplerProcessor,
    resourceDetectionProcessor,
  ],
  exporters: [
    otlpGrpcExporter,
    otlpHttpExporter,
    debugExporter,
    jaegerExporter,
    lokiExporter,
    elasticsearchExporter,
    prometheusExporter,
    prometheusRemoteWriteExporter,
    nopExporter,
    loadBalancingExporter,
  ],
  extensions: [
    healthCheck,
    fileStorage,
    zpages,
    pprof,
    bearerTokenAuth,
    basicAuth,
    headersSetter,
    k8sLeaderElector,
    opamp,
  ],
  connectors: [forwardConnector, routingConnector, countConnector, spanMetricsConnector],
};
