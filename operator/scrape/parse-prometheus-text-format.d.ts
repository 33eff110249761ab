/**
 * Types for parse-prometheus-text-format 1.1 (the package ships none): a CommonJS module
 * exporting one function. Values stay strings, exactly as they appear in the text.
 */
declare module "parse-prometheus-text-format" {
  namespace parsePrometheusTextFormat {
    interface Sample {
      /** Absent for histogram/summary families, which carry buckets/quantiles/count/sum. */
      value?: string;
      labels?: Record<string, string>;
      timestamp_ms?: string;
      buckets?: Record<string, string>;
      quantiles?: Record<string, string>;
      count?: string;
      sum?: string;
    }
    interface MetricFamily {
      name: string;
      help: string;
      /** "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED" (upper-cased TYPE line). */
      type: string;
      metrics: Sample[];
    }
  }
  /** Throws (InvalidLineError) on a line it cannot read. */
  function parsePrometheusTextFormat(text: string): parsePrometheusTextFormat.MetricFamily[];
  export = parsePrometheusTextFormat;
}
