using System.Diagnostics;
using System.Globalization;

namespace Platform.Bench.Drills;

/// <param name="Met">Null for a figure that is reported, not judged.</param>
public sealed record DrillCheck(string What, string Measured, bool? Met);

/// <summary>What one drill measured; rendered as one section of docs/reliability.md.</summary>
public sealed class DrillResult(string number, string title, string procedure)
{
    public string Number { get; } = number;

    public string Title { get; } = title;

    public string Procedure { get; } = procedure;

    public string Load { get; set; } = "";

    public double CallsPerSecond { get; set; }

    public long Answered { get; set; }

    public SortedDictionary<string, long> FailedByKind { get; } = new(StringComparer.Ordinal);

    public long Audited { get; set; }

    public long Duplicates { get; set; }

    public long Missing { get; set; }

    /// <summary>Calls that got no success answer (in flight at a crash, or failed) but are in the audit trail.</summary>
    public long AuditedWithoutAnswer { get; set; }

    public string Verify { get; set; } = "not checked";

    public string Recovery { get; set; } = "";

    public List<DrillCheck> Checks { get; } = [];

    /// <summary>How long after the load the audit trail took to hold every answered call (or until the check gave up).</summary>
    public TimeSpan AuditWait { get; private set; }

    private static readonly TimeSpan MaxAuditWait = TimeSpan.FromMinutes(3);

    public List<string> Notes { get; } = [];

    public string? Error { get; set; }

    /// <summary>Moments of the drill (fault injected, server back) on the drill clock, to place a missing call in time.</summary>
    public SortedDictionary<double, string> Marks { get; } = [];

    private string? _tenant;
    private List<CallOutcome> _answered = [];

    public void Mark(double at, string what) => Marks[at] = what;

    public void Count(IEnumerable<CallOutcome> outcomes, double loadSeconds)
    {
        var all = outcomes.ToList();
        Answered = all.Count(o => o.Kind == CallKind.Success);
        CallsPerSecond = loadSeconds > 0 ? Answered / loadSeconds : 0;
        foreach (var failure in all.Where(o => o.Kind != CallKind.Success).GroupBy(o => o.Label))
        {
            FailedByKind[failure.Key] = failure.LongCount();
        }
    }

    public string Failed => FailedByKind.Count == 0
        ? "0"
        : string.Join(", ", FailedByKind.Select(f => $"{f.Value.ToString("N0", CultureInfo.InvariantCulture)} {f.Key}"));

    /// <summary>
    /// Looks again for answered calls that were missing when the drill ended, once every drill has run: a record that
    /// arrives minutes late (a stuck outbox recovered later) is not lost, but far too late for an audit trail.
    /// </summary>
    public async Task RecheckAsync(DrillContext platform, string when)
    {
        if (_tenant is null || Missing == 0)
        {
            return;
        }

        var audited = await platform.AuditedEchoMessagesAsync(_tenant).ConfigureAwait(false);
        var stillMissing = _answered.Count(o => !audited.ContainsKey(o.Message));
        var duplicates = audited.Values.Count(c => c > 1);
        Checks.Add(new($"the calls missing at the end of the drill, checked again {when}", $"{stillMissing:N0} of {Missing:N0} still missing, {duplicates:N0} duplicated", stillMissing == 0 && duplicates == 0));
    }

    private string Place(double at)
    {
        var before = Marks.LastOrDefault(m => m.Key <= at);
        if (before.Value is not null)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{at - before.Key:F2} s after {before.Value}");
        }

        var after = Marks.FirstOrDefault();
        return after.Value is null
            ? string.Create(CultureInfo.InvariantCulture, $"at {at:F1} s on the drill clock")
            : string.Create(CultureInfo.InvariantCulture, $"{after.Key - at:F2} s before {after.Value}");
    }

    /// <summary>
    /// Waits for Audit to catch up, then matches every answered call to its record by its unique message: each must
    /// be there exactly once. Records of calls that got no answer are counted, not judged: a call whose transaction
    /// committed just before a crash is audited although its client saw a dropped connection.
    /// </summary>
    public async Task ReconcileAsync(DrillContext platform, string tenant, IEnumerable<CallOutcome> outcomes)
    {
        _tenant = tenant;
        _answered = [.. outcomes.Where(o => o.Kind == CallKind.Success)];
        var answered = _answered.Select(o => o.Message).ToHashSet(StringComparer.Ordinal);
        var waited = Stopwatch.StartNew();
        var lastHead = -1L;
        var lastProgress = Stopwatch.StartNew();
        Dictionary<string, int> audited;
        while (true)
        {
            audited = await platform.AuditedEchoMessagesAsync(tenant).ConfigureAwait(false);
            if (answered.All(audited.ContainsKey) || waited.Elapsed > MaxAuditWait)
            {
                break;
            }

            // Still appending (other drills' backlog or this one's): keep waiting; idle and incomplete: give up.
            var head = await platform.AuditHeadAsync().ConfigureAwait(false);
            if (head != lastHead)
            {
                lastHead = head;
                lastProgress.Restart();
            }
            else if (lastProgress.Elapsed > TimeSpan.FromSeconds(15))
            {
                break;
            }

            await Task.Delay(1000).ConfigureAwait(false);
        }

        AuditWait = waited.Elapsed;
        Audited = answered.Count(audited.ContainsKey);
        Missing = answered.Count - Audited;
        Duplicates = audited.Values.Count(c => c > 1);
        AuditedWithoutAnswer = audited.Keys.Count(m => !answered.Contains(m));
        foreach (var missing in _answered.Where(o => !audited.ContainsKey(o.Message)).Take(5))
        {
            Notes.Add($"missing from the audit trail: `{missing.Message}`, sent {Place(missing.Start)}, answered with a success {Place(missing.End)}");
        }

        var verify = await platform.VerifyChainAsync().ConfigureAwait(false);
        Verify = verify.Ok ? $"ok ({verify.Checked.ToString("N0", CultureInfo.InvariantCulture)} records)" : "FAILED: " + verify.Raw;
        Checks.Add(new("every answered call audited exactly once", $"{Audited:N0} of {Answered:N0} audited, {Missing:N0} missing, {Duplicates:N0} duplicated", Missing == 0 && Duplicates == 0));
        Checks.Add(new("GET /audit/verify", Verify, verify.Ok));
        Notes.Add(string.Create(CultureInfo.InvariantCulture, $"the audit check waited {AuditWait.TotalSeconds:F0} s after the load stopped for Audit to append the drill's records (it appends behind the load on these 2 cores)"));
    }
}
