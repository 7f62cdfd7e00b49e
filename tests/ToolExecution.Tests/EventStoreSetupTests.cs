using System.Net;
using Npgsql;
using Platform.Authentication;
using Platform.Testing;
using ToolExecutionProgram = Platform.ToolExecution.Program;

namespace Platform.ToolExecution.Tests;

/// <summary>The event store for tool calls exists before the first call, created by one replica at a time.</summary>
public sealed class EventStoreSetupTests(PlatformInfrastructure infrastructure)
{
    [Fact]
    public async Task Replicas_starting_together_on_an_empty_database_all_become_ready_with_the_event_store_in_place_before_any_call()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = await infrastructure.NewDatabaseAsync("setup", ct);
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:postgres"] = database,
            ["ConnectionStrings:redis"] = infrastructure.RedisConnectionString,
            [ServiceCredential.ConfigurationKey] = InProcessAuth.ServiceKey,
        };
        var replicas = Enumerable.Range(0, 3).Select(_ => new ServiceHost<ToolExecutionProgram>(settings) { UseFakeClock = false }).ToList();
        try
        {
            await Task.WhenAll(replicas.Select(replica => Task.Run(() => replica.Server, ct)));

            foreach (var replica in replicas)
            {
                using var http = replica.CreateClient();
                var ready = await Poll.ValueAsync(() => http.GetAsync("/health/ready", ct), r => r.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(60));
                Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            }

            await using var connection = new NpgsqlConnection(database);
            await connection.OpenAsync(ct);
            await using var tables = new NpgsqlCommand(
                "select count(*) from information_schema.tables where table_schema = 'tool_execution' and table_name in ('mt_events', 'mt_streams')", connection);
            Assert.Equal(2L, await tables.ExecuteScalarAsync(ct));
            await using var streams = new NpgsqlCommand("select count(*) from tool_execution.mt_streams", connection);
            Assert.Equal(0L, await streams.ExecuteScalarAsync(ct));
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }
    }
}
