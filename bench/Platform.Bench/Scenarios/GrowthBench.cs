using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Platform.Bench.Mcp;
using Platform.Bench.Measurement;
using Platform.ServiceDefaults.Storage;

namespace Platform.Bench.Scenarios;

/// <summary>
/// Issue 8, scenario 7 (data growth): how verify and call throughput change as the audit chain grows. The whole
/// platform runs as Release processes; the chain is extended to each size by <see cref="AuditChainSeeder"/> (binary
/// COPY, valid hashes and signed checkpoints), then GET /audit/verify and the closed-loop tools/call echo throughput
/// (as in the MCP scenario) are measured at that size. The chain only grows, so the sizes run in order on one database.
/// </summary>
public static class GrowthBench
{
    public const string Scenario = "Data growth (issue 8, scenario 7)";
    private const int Callers = 16;
    private static readonly long[] Sizes = [10_000, 100_000, 1_000_000];
    private static readonly TimeSpan EchoPhase = TimeSpan.FromSeconds(5);

    public static async Task RunAsync(Results results, BenchSettings settings)
    {
        Console.WriteLine("starting the platform for data growth (the AppHost on Aspire's test host, Release services)");
        await using var platform = await BenchPlatform.StartAsync(
            new Dictionary<string, string>(PlatformBench.BenchPlan)
            {
                ["Audit__Checkpoints__EveryRecords"] = AuditChainSeeder.EveryRecords.ToString(CultureInfo.InvariantCulture),
            }).ConfigureAwait(false);
        var key = await PlatformBench.CreateTenantAndKeyAsync(platform.Url(BenchPlatform.Auth), platform.AdminKey).ConfigureAwait(false);
        using var audit = AuditBench.AuditClient(platform.Url(BenchPlatform.Audit), platform.AdminKey);
        using var http = EchoClient.CreateHttpClient();
        var echo = new EchoClient(http, new Uri(platform.Url(BenchPlatform.ToolExecution), "/mcp"), key);
        if (await echo.CallDescribedAsync().ConfigureAwait(false) is { } failure)
        {
            throw new InvalidOperationException("An echo call failed before measuring: " + failure + "\n" + platform.Output(60));
        }

        using var seeder = await AuditChainSeeder.ConnectAsync(audit, platform.Database).ConfigureAwait(false);
        // Three processes to JIT and pools to fill before the first size is measured, or the smallest size would
        // mostly measure the warm-up.
        await Load.ClosedLoopAsync(Callers, TimeSpan.FromSeconds(5), 1_000_000, echo.CallAsync).ConfigureAwait(false);
        await Load.ClosedLoopAsync(Callers, EchoPhase, 1_000_000, echo.CallAsync).ConfigureAwait(false);
        await WaitForAuditToSettleAsync(platform.Database).ConfigureAwait(false);
        await AuditBench.VerifyAsync(audit).ConfigureAwait(false);

        var rows = new List<(long Records, List<double> VerifyRate, List<double> VerifySeconds, List<double> Echo)>();
        foreach (var size in Sizes)
        {
            // The echo calls of the previous size are appended to the chain too; seeding must not race them.
            await WaitForAuditToSettleAsync(platform.Database).ConfigureAwait(false);
            Console.WriteLine($"growing the audit chain to {size:N0} records");
            var clock = Stopwatch.StartNew();
            var added = await seeder.ExtendToAsync(size).ConfigureAwait(false);
            results.AddSingle(Scenario, $"seeding {added:N0} records to reach {size:N0} (binary COPY, one transaction)", "s", clock.Elapsed.TotalSeconds);

            var row = (Records: 0L, VerifyRate: new List<double>(), VerifySeconds: new List<double>(), Echo: new List<double>());
            for (var run = 1; run <= settings.Runs; run++)
            {
                Console.WriteLine($"verify at {size:N0} records, run {run}/{settings.Runs}");
                var (records, seconds) = await AuditBench.VerifyAsync(audit).ConfigureAwait(false);
                row.Records = records;
                row.VerifyRate.Add(records / seconds);
                row.VerifySeconds.Add(seconds);
            }

            // After every verify, so that each verify reads exactly the seeded size.
            for (var run = 1; run <= settings.Runs; run++)
            {
                Console.WriteLine($"echo at {size:N0} records, run {run}/{settings.Runs}");
                var load = await Load.ClosedLoopAsync(Callers, EchoPhase, 1_000_000, echo.CallAsync).ConfigureAwait(false);
                row.Echo.Add(load.PerSecond);
                results.AddSingle(Scenario, $"failed echo calls at {size:N0} records", "calls", load.Errors);
            }

            rows.Add(row);
        }

        results.Notes[Scenario] =
            "The three services as Release processes started by the AppHost on Aspire's test host. At each size the audit chain is extended "
            + "straight in Audit's schema (binary COPY of tool-call records with valid hashes and a signed checkpoint every "
            + $"{AuditChainSeeder.EveryRecords:N0}, the head moved in the same transaction, after Audit has appended everything "
            + $"queued), then `GET /audit/verify` runs {settings.Runs} times over the whole chain, then closed-loop "
            + $"`tools/call echo` with an API key, {Callers} callers for {EchoPhase.TotalSeconds:0} s, {settings.Runs} times "
            + "(each call is also appended to the chain, as in production). Before the first size, 10 s of echo calls and one "
            + "verify warm the processes up. Each cell is the median, with min–max over the "
            + "runs; ratios are medians against the 10,000-record row. The chain only grows, so the sizes run in order on one "
            + "database.";
        results.Tables.Add(new ReportTable(Scenario,
            ["records in chain", "verify records/s", "verify seconds", "echo calls/s", "verify records/s vs 10k", "verify seconds vs 10k", "echo calls/s vs 10k"],
            [.. rows.Select(r => (IReadOnlyList<string>)[
                r.Records.ToString("N0", CultureInfo.InvariantCulture),
                Cell(r.VerifyRate, "N0"), Cell(r.VerifySeconds, "0.00"), Cell(r.Echo, "N0"),
                Ratio(r.VerifyRate, rows[0].VerifyRate), Ratio(r.VerifySeconds, rows[0].VerifySeconds), Ratio(r.Echo, rows[0].Echo)])]));

        var first = rows[0];
        var last = rows[^1];
        results.Targets.Add(new("8", $"data growth: call throughput and verify speed at {string.Join(" / ", rows.Select(r => Short(r.Records)))} audit records",
            $"verify {string.Join(" / ", rows.Select(r => Stats.Median(r.VerifyRate).ToString("N0", CultureInfo.InvariantCulture)))} records/s "
            + $"({Stats.Median(last.VerifySeconds):0.0} s for {last.Records:N0}); echo {string.Join(" / ", rows.Select(r => Stats.Median(r.Echo).ToString("N0", CultureInfo.InvariantCulture)))} calls/s "
            + $"({Stats.Median(last.Echo) / Stats.Median(first.Echo):0.00}× of the 10k figure at {Short(last.Records)})", null));
    }

    /// <summary>Audit has appended everything queued: its queue and inbox are empty and the head stood still for a second.</summary>
    private static async Task WaitForAuditToSettleAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync().ConfigureAwait(false);
        await using var state = new NpgsqlCommand(
            $"""
            select (select count(*) from {CritterStackExtensions.TransportSchema}.wolverine_queue_{PlatformQueues.Audit})
                 + (select count(*) from audit.wolverine_incoming_envelopes where status = 'Incoming')
                 + (select count(*) from tool_execution.wolverine_outgoing_envelopes),
                   coalesce((select (data ->> 'Seq')::bigint from audit.mt_doc_chainhead), 0)
            """, connection);
        var deadline = Stopwatch.StartNew();
        var stable = Stopwatch.StartNew();
        long? lastHead = null;
        while (deadline.Elapsed < TimeSpan.FromMinutes(3))
        {
            await using (var reader = await state.ExecuteReaderAsync().ConfigureAwait(false))
            {
                await reader.ReadAsync().ConfigureAwait(false);
                var pending = reader.GetInt64(0);
                var head = reader.GetInt64(1);
                if (pending > 0 || head != lastHead)
                {
                    stable.Restart();
                }

                lastHead = head;
            }

            if (stable.Elapsed >= TimeSpan.FromSeconds(1))
            {
                return;
            }

            await Task.Delay(200).ConfigureAwait(false);
        }

        throw new InvalidOperationException("Audit did not finish appending the echo calls within 3 minutes.");
    }

    private static string Cell(List<double> values, string format) => values.Count == 1
        ? values[0].ToString(format, CultureInfo.InvariantCulture)
        : $"{Stats.Median(values).ToString(format, CultureInfo.InvariantCulture)} ({values.Min().ToString(format, CultureInfo.InvariantCulture)}–{values.Max().ToString(format, CultureInfo.InvariantCulture)})";

    private static string Ratio(List<double> values, List<double> baseline) =>
        (Stats.Median(values) / Stats.Median(baseline)).ToString("0.00", CultureInfo.InvariantCulture) + "×";

    private static string Short(long records) => records >= 1_000_000 ? $"{records / 1_000_000.0:0.#}M" : $"{records / 1_000.0:0.#}k";
}
