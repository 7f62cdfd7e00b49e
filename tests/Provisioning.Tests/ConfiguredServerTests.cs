using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Platform.Testing;

namespace Platform.Provisioning.Tests;

public sealed class ConfiguredServerTests
{
    [Fact]
    public async Task Configured_connection_strings_are_used_as_they_are_and_nothing_is_started()
    {
        const string Postgres = "Host=db.example;Port=5433;Username=platform;Password=from-the-operator;Database=platform";
        const string Redis = "cache.example:6380,password=from-the-operator";
        var ct = TestContext.Current.CancellationToken;

        await using var run = await AppHostRun.StartAsync(
            settings: new Dictionary<string, string?> { ["ConnectionStrings:postgres"] = Postgres, ["ConnectionStrings:redis"] = Redis },
            keep: new HashSet<string> { PlatformDatastores.Postgres, PlatformDatastores.PostgresServer, PlatformDatastores.Redis },
            ct: ct);

        Assert.Equal(Postgres, await run.ConnectionStringAsync(PlatformDatastores.Postgres, ct));
        Assert.Equal(Redis, await run.ConnectionStringAsync(PlatformDatastores.Redis, ct));
        var model = run.Services.GetRequiredService<DistributedApplicationModel>();
        Assert.Empty(model.Resources.Where(r => r is ExecutableResource or ContainerResource or ProjectResource).Select(r => r.Name));
        Assert.DoesNotContain(PlatformDatastores.PostgresServer, model.Resources.Select(r => r.Name));

        // No local cluster was made for it either.
        Assert.False(Directory.Exists(Path.Combine(run.DataDirectory.FullName, "postgres")));
        Assert.False(File.Exists(Path.Combine(run.DataDirectory.FullName, "postgres.password")));
    }
}
