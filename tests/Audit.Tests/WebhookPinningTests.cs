using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Sandbox.Network;
using Platform.Testing;

namespace Platform.Audit.Tests;

/// <summary>
/// Audit + Auth with a test resolver and no loopback exemption: <c>*.hook.test</c> answers a public address to its
/// first lookup (the registration check) and 127.0.0.1 to every later one (a rebinding attacker's DNS). Two
/// attempts, 50 ms apart, so dead letters come quickly.
/// </summary>
public sealed class RebindingWebhookApp(PlatformInfrastructure infrastructure) : AuditApp(infrastructure)
{
    private static readonly IPAddress Public = IPAddress.Parse("93.184.215.14");
    private readonly ConcurrentDictionary<string, int> _lookups = new(StringComparer.OrdinalIgnoreCase);

    public int Lookups(string host) => _lookups.GetValueOrDefault(host);

    protected override IReadOnlyDictionary<string, string?> AuditSettings => new Dictionary<string, string?>
    {
        ["Audit:Webhooks:MaxAttempts"] = "2",
        ["Audit:Webhooks:InitialRetryDelayMs"] = "50",
    };

    protected override void ConfigureAuditServices(IServiceCollection services) =>
        services.AddSingleton(new FetcherSettings { Resolve = ResolveAsync });

    private Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct)
    {
        if (!host.EndsWith(".hook.test", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult<IPAddress[]>([]);
        }

        return Task.FromResult<IPAddress[]>(_lookups.AddOrUpdate(host, 1, (_, n) => n + 1) == 1 ? [Public] : [IPAddress.Loopback]);
    }
}

public sealed class WebhookPinningTests(RebindingWebhookApp app) : IClassFixture<RebindingWebhookApp>
{
    private async Task<Guid> RegisterAsync(string tenant, string url)
    {
        using var admin = app.Client(AuditApp.AdminKey);
        var response = await admin.PostAsJsonAsync("/audit/webhooks", new { url, events = new[] { "*" }, tenant }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<WebhookTests.CreatedHook>(TestContext.Current.CancellationToken))!.Id;
    }

    /// <summary>The exception messages of the endpoint's dead-lettered deliveries; polls until there is one.</summary>
    private async Task<List<string>> DeadLettersOfAsync(Guid endpointId)
    {
        var messages = await Poll.ValueAsync(() => ReadDeadLettersAsync(endpointId), found => found.Count > 0, TimeSpan.FromSeconds(15));
        Assert.NotEmpty(messages);
        return messages;
    }

    private async Task<List<string>> ReadDeadLettersAsync(Guid endpointId)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(app.Database) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(
            "select coalesce(exception_message, '') from audit.wolverine_dead_letters where message_type = 'platform.audit.deliver-webhook.v1' and position(convert_to(@id, 'UTF8') in body) > 0", connection);
        command.Parameters.AddWithValue("id", endpointId.ToString("D"));
        var messages = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            messages.Add(reader.GetString(0));
        }

        return messages;
    }

    [Fact]
    public async Task Host_rebound_to_loopback_after_registration_is_refused_at_delivery_without_a_connection()
    {
        await using var receiver = await Receiver.StartAsync();
        var host = $"rebind-{Guid.NewGuid():N}.hook.test";
        var tenant = "pin-" + Guid.NewGuid().ToString("N")[..8];
        var hook = await RegisterAsync(tenant, $"http://{host}:{new Uri(receiver.Url).Port}/hook");

        await app.DeliverAsync(ChainDatabase.Call(tenant));

        var deadLetter = Assert.Single(await DeadLettersOfAsync(hook));
        Assert.Contains("127.0.0.1", deadLetter, StringComparison.Ordinal);
        Assert.Contains("blocked", deadLetter, StringComparison.Ordinal);
        Assert.Equal(0, receiver.Attempts);
        // Registration, then one lookup per delivery attempt inside the connection: nothing resolved it twice per try.
        Assert.Equal(3, app.Lookups(host));
    }

    [Fact]
    public async Task Dead_lettered_delivery_is_counted_in_platform_webhook_dead_letters()
    {
        var meterFactory = app.Audit.Services.GetRequiredService<IMeterFactory>();
        long deadLetters = 0;
        using var listener = new MeterListener();
        // Only this service's meters: other test classes run Audit in parallel with meters of the same name.
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meterFactory && instrument.Name == "platform.webhook.dead_letters")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref deadLetters, value));
        listener.Start();
        var tenant = "dl-" + Guid.NewGuid().ToString("N")[..8];
        var hook = await RegisterAsync(tenant, $"http://down-{Guid.NewGuid():N}.hook.test:9/hook");

        await app.DeliverAsync(ChainDatabase.Call(tenant));
        await DeadLettersOfAsync(hook);

        await Poll.ValueAsync(() => Task.FromResult(Interlocked.Read(ref deadLetters)), n => n > 0, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(50));

        Assert.Equal(1, Interlocked.Read(ref deadLetters));
    }
}
