using System.Text.Json.Nodes;
using Platform.Deploy.Aspire;
using Platform.Deploy.Planning;
using Platform.Deploy.Profile;

namespace Platform.Deploy.Tests;

/// <summary>How manifest expressions become Kubernetes values, on variants of the committed manifest.</summary>
public sealed class ExpressionResolutionTests
{
    [Fact]
    public void A_service_url_becomes_the_in_cluster_service_url_and_a_target_port_the_container_port()
    {
        var audit = Service(Plan(), "audit");

        Assert.Equal("http://auth:8080", Plain(audit, "services__auth__http__0"));
        Assert.Equal("8080", Plain(audit, "HTTP_PORTS"));
        Assert.Equal("audit", Plain(audit, "OTEL_SERVICE_NAME"));
        Assert.Equal(8080, audit.Port);
    }

    [Fact]
    public void A_value_that_reaches_a_secret_parameter_through_connection_strings_goes_into_a_secret()
    {
        // No datastore involved: only the secret parameter inside the nested value makes it a Secret.
        var plan = Plan(resources =>
        {
            resources["inner"] = new JsonObject { ["type"] = "value.v0", ["connectionString"] = "token={pepper.value}" };
            resources["outer"] = new JsonObject { ["type"] = "value.v0", ["connectionString"] = "Endpoint=https://example.invalid;{inner.connectionString}" };
            resources["audit"]!["env"]!["Webhooks__Signing"] = "{outer.connectionString}";
            resources["audit"]!["env"]!["Mixed"] = "prefix-{pepper.value}";
        });

        var audit = Service(plan, "audit");
        Assert.Equal(new SecretKeyReference("platform-connection-strings", "outer"), Setting(audit, "Webhooks__Signing").Secret);
        Assert.Equal(new SecretKeyReference("audit-secrets", "Mixed"), Setting(audit, "Mixed").Secret);
        var connectionStrings = plan.Secrets.Single(s => s.Name == "platform-connection-strings");
        Assert.Equal("connection string Endpoint=https://example.invalid;token=<pepper>", connectionStrings.Entries.Single(e => e.Key == "outer").Supply);
    }

    [Fact]
    public void A_literal_a_non_secret_parameter_with_a_value_and_a_uri_filtered_copy_of_it_stay_plain()
    {
        var plan = Plan(resources =>
        {
            resources["region"] = new JsonObject
            {
                ["type"] = "parameter.v0",
                ["value"] = "{region.inputs.value}",
                ["inputs"] = new JsonObject { ["value"] = new JsonObject { ["type"] = "string", ["default"] = new JsonObject { ["value"] = "eu west" } } },
            };
            resources["region-uri"] = new JsonObject { ["type"] = "annotated.string", ["value"] = "{region.value}", ["filter"] = "uri" };
            resources["audit"]!["env"]!["Region"] = "{region.value}";
            resources["audit"]!["env"]!["RegionPath"] = "/r/{region-uri.value}";
        });

        var audit = Service(plan, "audit");
        Assert.Equal("eu west", Plain(audit, "Region"));
        Assert.Equal("/r/eu%20west", Plain(audit, "RegionPath"));
        Assert.Equal("in_memory", Plain(audit, "OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY"));
    }

    [Fact]
    public void A_secret_parameter_goes_into_the_services_secret_under_its_own_name()
    {
        var auth = Service(Plan(), "auth");

        Assert.Equal(new SecretKeyReference("auth-secrets", "admin-key"), Setting(auth, "Auth__BootstrapAdminKey").Secret);
        Assert.Equal(new SecretKeyReference("auth-secrets", "service-key"), Setting(auth, "Platform__ServiceKey").Secret);
        Assert.Equal(new SecretKeyReference("platform-connection-strings", "postgres"), Setting(auth, "ConnectionStrings__postgres").Secret);
    }

    [Fact]
    public void Calls_and_datastores_come_from_the_references_and_a_service_naming_its_own_port_does_not_call_itself()
    {
        var plan = Plan();

        Assert.Empty(Service(plan, "auth").Calls);
        Assert.Equal(["auth"], Service(plan, "tool-execution").Calls);
        Assert.Equal(["auth"], Service(plan, "audit").Calls);
        Assert.Equal(["postgres-server", "redis"], Service(plan, "tool-execution").Datastores);
        Assert.Equal(["auth", "tool-execution", "audit"], plan.Datastores.Single(d => d.Name == "postgres-server").Clients);
        Assert.Equal(["postgres-server", "redis"], Service(plan, "auth").Datastores);
        Assert.Equal(["auth", "tool-execution"], plan.Datastores.Single(d => d.Name == "redis").Clients);
    }

    [Fact]
    public void The_in_cluster_connection_strings_name_the_overlays_services()
    {
        Assert.Equal(
            [
                new SecretEntry("postgres", "Host=postgres-server;Port=5432;Username=postgres;Password=<postgres-server-password>;Database=platform"),
                new SecretEntry("redis", "redis:6379,password=<redis-password>"),
            ],
            Plan().InClusterConnectionStrings);
    }

    [Fact]
    public void An_expression_that_refers_back_to_itself_is_refused()
    {
        var error = Assert.Throws<GeneratorException>(() => Plan(resources =>
        {
            resources["loop"] = new JsonObject { ["type"] = "value.v0", ["connectionString"] = "x;{loop.connectionString}" };
            resources["audit"]!["env"]!["Loop"] = "{loop.connectionString}";
        }));
        Assert.Contains("refers back to itself (loop -> loop)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_external_service_without_public_paths_in_the_profile_is_refused()
    {
        var error = Assert.Throws<GeneratorException>(() => Plan(resources => resources["audit"]!["bindings"]!["http"]!["external"] = true));
        Assert.Equal(
            "project 'audit' has an external binding, but the deployment profile lists no public paths for it; the ingress routes only listed paths.",
            error.Message);
    }

    [Fact]
    public void A_container_without_a_datastore_profile_is_refused()
    {
        var error = Assert.Throws<GeneratorException>(() => Plan(resources =>
        {
            var copy = resources["redis"]!.DeepClone();
            resources["cache"] = copy;
        }));
        Assert.StartsWith("container 'cache' has no entry in the deployment profile's Datastores", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_profile_entry_for_a_service_the_manifest_does_not_have_is_refused()
    {
        var error = Assert.Throws<GeneratorException>(() => Plan(resources => resources.Remove("audit")));
        Assert.Equal(
            "the deployment profile has a service 'audit', but the manifest has no project of that name; rename or remove the entry.",
            error.Message);
    }

    [Fact]
    public void A_disruption_budget_that_would_block_every_drain_is_refused()
    {
        var profile = PlatformProfile.Default with
        {
            Services = new Dictionary<string, ServiceProfile>(PlatformProfile.Default.Services)
            {
                ["audit"] = PlatformProfile.Default.Services["audit"] with { Disruption = DisruptionBudget.KeepOne },
            },
        };

        var error = Assert.Throws<GeneratorException>(() => DeploymentPlan.From(AspireManifest.Load(Repository.ManifestPath), profile));
        Assert.Equal("service 'audit': minAvailable 1 with 1 replica(s) would block every node drain.", error.Message);
    }

    private static DeploymentPlan Plan(Action<JsonObject>? change = null)
    {
        var manifest = Repository.ManifestJson();
        change?.Invoke(manifest["resources"]!.AsObject());
        return DeploymentPlan.From(AspireManifest.Parse(manifest.ToJsonString()), PlatformProfile.Default);
    }

    private static PlannedService Service(DeploymentPlan plan, string name) => plan.Services.Single(s => s.Name == name);

    private static Setting Setting(PlannedService service, string name) => service.Environment.Single(e => e.Name == name);

    private static string? Plain(PlannedService service, string name)
    {
        var setting = Setting(service, name);
        Assert.Null(setting.Secret);
        return setting.Value;
    }
}
