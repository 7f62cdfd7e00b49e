using System.Globalization;

namespace Platform.Bench.Drills;

/// <summary>Drill 7: revoke a key while 64 clients use it, spread over both ToolExecution replicas.</summary>
public static class RevocationDrill
{
    private const int Clients = 64;
    private const int Repetitions = 5;
    private const string Tenant = "drill-revoke";

    public static async Task<DrillResult> RunAsync(DrillContext platform)
    {
        var result = new DrillResult("7", "Revoke a key while 64 clients use it",
            $"{Repetitions} repetitions. Each issues a fresh key and starts {Clients} closed-loop callers with it, half on each "
            + "ToolExecution replica. Once every caller has had a success (so the key is in both replicas' verification "
            + "caches), the key is revoked through `POST /admin/keys/{id}/revoke`. The callers keep calling until each has "
            + "been denied. Propagation is measured from the moment the revoke request returned: (a) until the last of the "
            + "64 clients received its first denial (the issue's figure; it includes one call's latency under this load), "
            + "and (b) until the start of the last call that was still accepted (the real window in which a revoked key worked).");
        result.Load = $"{Clients} callers, {Clients / 2} per replica, 2 ToolExecution replicas";
        await platform.CreateTenantAsync(Tenant).ConfigureAwait(false);
        var all = new List<CallOutcome>();
        var lastDenied = new List<double>();
        var lastAccepted = new List<double>();
        var loadSeconds = 0.0;
        for (var repetition = 1; repetition <= Repetitions; repetition++)
        {
            var (key, keyId) = await platform.IssueKeyAsync(Tenant).ConfigureAwait(false);
            var tag = "rv" + repetition.ToString(CultureInfo.InvariantCulture);
            var primary = platform.Client(DrillContext.ToolExecution, key, tag);
            var replica = platform.Client(DrillContext.Replica, key, tag);
            var started = platform.Clock.Elapsed.TotalSeconds;
            await using var load = SteadyLoad.Start(Clients, caller => caller % 2 == 0 ? primary : replica);
            var warm = await load.WaitForAsync(
                outcomes => outcomes.Where(o => o.Kind == CallKind.Success).Select(o => o.Caller).Distinct().Count() == Clients,
                TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            if (!warm)
            {
                result.Notes.Add($"repetition {repetition}: not every caller had a success before the revocation");
            }

            // A little steady state with all callers going before the revocation.
            await Task.Delay(500).ConfigureAwait(false);
            var revokeSent = platform.Clock.Elapsed.TotalSeconds;
            await platform.RevokeAsync(keyId).ConfigureAwait(false);
            var revoked = platform.Clock.Elapsed.TotalSeconds;
            var allDenied = await load.WaitForAsync(
                outcomes => outcomes.Where(o => o.Kind == CallKind.HttpError && o.Status == 401).Select(o => o.Caller).Distinct().Count() == Clients,
                TimeSpan.FromSeconds(15)).ConfigureAwait(false);
            var outcomes = await load.StopAsync().ConfigureAwait(false);
            loadSeconds += platform.Clock.Elapsed.TotalSeconds - started;
            all.AddRange(outcomes);
            if (!allDenied)
            {
                result.Notes.Add($"repetition {repetition}: not every client was denied within 15 s");
            }

            var firstDenials = outcomes.Where(o => o.Kind == CallKind.HttpError && o.Status == 401)
                .GroupBy(o => o.Caller).Select(g => g.Min(o => o.End)).ToList();
            var denied = firstDenials.Count > 0 ? firstDenials.Max() - revoked : double.NaN;
            var accepted = Math.Max(0, outcomes.Where(o => o.Kind == CallKind.Success).Select(o => o.Start).DefaultIfEmpty(revoked).Max() - revoked);
            lastDenied.Add(denied);
            lastAccepted.Add(accepted);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  repetition {repetition}: last client denied {denied * 1000:F0} ms, last accepted {accepted * 1000:F0} ms after the revoke returned"));
            result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"repetition {repetition}: revoke request took {(revoked - revokeSent) * 1000:F0} ms; last client denied {denied * 1000:F0} ms after it returned; last accepted call started {accepted * 1000:F0} ms after it returned; {outcomes.Count(o => o.Kind == CallKind.Success && o.Start > revoked):N0} calls started after it were still accepted"));
        }

        result.Count(all, loadSeconds);
        var p99Denied = Percentile(lastDenied, 99);
        var p99Accepted = Percentile(lastAccepted, 99);
        result.Recovery = string.Create(CultureInfo.InvariantCulture,
            $"last client denied: p99 {p99Denied * 1000:F0} ms, runs {string.Join(", ", lastDenied.Select(d => (d * 1000).ToString("F0", CultureInfo.InvariantCulture)))} ms; last accepted call: p99 {p99Accepted * 1000:F0} ms");
        result.Checks.Add(new("propagation until the last of 64 clients is denied, p99 over 5 repetitions ≤ 1 s (p99 of 5 samples is their maximum)",
            string.Create(CultureInfo.InvariantCulture, $"{p99Denied * 1000:F0} ms"), p99Denied <= 1.0));
        result.Checks.Add(new("window in which the revoked key was still accepted (start of the last accepted call), p99",
            string.Create(CultureInfo.InvariantCulture, $"{p99Accepted * 1000:F0} ms"), p99Accepted <= 1.0));
        result.Checks.Add(new("failures other than 401 (wrong answers, errors)",
            result.FailedByKind.Where(f => f.Key != "HTTP 401").Sum(f => f.Value).ToString("N0", CultureInfo.InvariantCulture),
            result.FailedByKind.All(f => f.Key == "HTTP 401")));
        await result.ReconcileAsync(platform, Tenant, all).ConfigureAwait(false);
        return result;
    }

    /// <summary>Nearest rank.</summary>
    internal static double Percentile(IReadOnlyList<double> values, double percentile)
    {
        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}
