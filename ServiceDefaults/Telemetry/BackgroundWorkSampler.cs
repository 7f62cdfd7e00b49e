using System.Diagnostics;
using OpenTelemetry.Trace;

namespace Platform.ServiceDefaults.Telemetry;

/// <summary>
/// Drops traces that would start at an outgoing call made by background work: Wolverine polls its queues, outbox and
/// inbox and Marten's daemon its high-water mark several times a second, and as traces of their own those statements
/// buried every request's trace (hundreds a minute). The same statements inside a request or a handled message are still
/// traced: this decides roots only, behind a parent-based sampler.
/// </summary>
public sealed class BackgroundWorkSampler : Sampler
{
    private static readonly SamplingResult Drop = new(SamplingDecision.Drop);
    private static readonly SamplingResult Record = new(SamplingDecision.RecordAndSample);

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        samplingParameters.Kind == ActivityKind.Client || samplingParameters.Name.StartsWith("marten.daemon", StringComparison.Ordinal)
            ? Drop
            : Record;
}
