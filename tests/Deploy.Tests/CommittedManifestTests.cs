using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Platform.Deploy.Aspire;

namespace Platform.Deploy.Tests;

/// <summary>
/// The committed aspire-manifest.json (written by Aspire's manifest publisher, eng/publish-check.sh keeps it current)
/// parses with the generator's reader and describes the platform the deployment is made of.
/// </summary>
public sealed partial class CommittedManifestTests
{
    private static readonly JsonObject Json = Repository.ManifestJson();
    private static readonly AspireManifest Manifest = AspireManifest.Load(Repository.ManifestPath);

    private static JsonObject Resources => Json["resources"]!.AsObject();

    [Fact]
    public void It_parses_into_the_three_services_two_datastores_and_their_parameters()
    {
        Assert.Equal(["auth", "tool-execution", "audit"], Manifest.Projects.Select(p => p.Name));
        Assert.Equal(["postgres-server", "redis"], Manifest.Containers.Select(c => c.Name));
        Assert.Equal(
            ["admin-key", "audit-signing-key", "pepper", "postgres-server-password", "redis-password", "service-key"],
            Manifest.Resources.OfType<ParameterResource>().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.All(Manifest.Resources.OfType<ParameterResource>(), p => Assert.True(p.Secret, p.Name));

        var database = Assert.IsType<ValueResource>(Manifest.Find("postgres"));
        Assert.Equal("{postgres-server.connectionString};Database=platform", database.ConnectionString.Text);
        Assert.Equal(Resources.Count, Manifest.Resources.Count);
    }

    [Fact]
    public void The_project_paths_resolve_from_the_manifest()
    {
        foreach (var project in Manifest.Projects)
        {
            Assert.False(Path.IsPathRooted(project.Path), $"{project.Name}: the path must be relative to the manifest");
            Assert.True(File.Exists(Path.Combine(Repository.Root, project.Path)), $"{project.Name}: {project.Path} does not exist");
        }
    }

    [Fact]
    public void Only_auth_and_tool_execution_bindings_are_external()
    {
        Assert.Equal(["auth", "tool-execution"], Manifest.Projects.Where(p => p.External).Select(p => p.Name));
        Assert.All(Manifest.Projects, p => Assert.Equal("http", Assert.Single(p.Bindings).Scheme));
    }

    [Fact]
    public void The_services_get_connection_strings_service_urls_and_secrets_as_expressions()
    {
        foreach (var project in Manifest.Projects)
        {
            var env = project.Environment.ToDictionary(e => e.Name, e => e.Value.Text);
            Assert.Equal("{postgres.connectionString}", env["ConnectionStrings__postgres"]);
            Assert.Equal("{service-key.value}", env["Platform__ServiceKey"]);
            // ToolExecution keeps its rate limits in Redis, Auth its sign-in attempt limits.
            Assert.Equal(project.Name is "tool-execution" or "auth", env.ContainsKey("ConnectionStrings__redis"));
            Assert.Equal(project.Name != "auth", env.TryGetValue("services__auth__http__0", out var authUrl));
            Assert.Equal(project.Name == "auth", env.ContainsKey("Auth__BootstrapAdminKey"));
            Assert.Equal(project.Name == "auth", env.ContainsKey("Auth__Peppers__v1"));
            Assert.Equal(project.Name == "audit", env.ContainsKey("Audit__CheckpointSigningKey"));
            if (authUrl is not null)
            {
                Assert.Equal("{auth.bindings.http.url}", authUrl);
            }
        }

        var audit = Manifest.Projects.Single(p => p.Name == "audit").Environment.ToDictionary(e => e.Name, e => e.Value.Text);
        Assert.Equal("{audit-signing-key.value}", audit["Audit__CheckpointSigningKey"]);
    }

    /// <summary>The operator supplies the audit signing key (a PEM); the platform's own keys have generated defaults.</summary>
    [Fact]
    public void The_platforms_keys_are_generated_and_the_audit_signing_key_is_supplied_by_the_operator()
    {
        var parameters = Manifest.Resources.OfType<ParameterResource>().ToDictionary(p => p.Name);
        Assert.Null(parameters["audit-signing-key"].Default);
        foreach (var name in new[] { "admin-key", "pepper", "service-key" })
        {
            var generated = Assert.IsType<GeneratedDefault>(parameters[name].Default);
            Assert.True(generated.MinLength >= 43, name);
            Assert.False(generated.Special, name);
        }

        Assert.IsType<GeneratedDefault>(parameters["postgres-server-password"].Default);
        Assert.IsType<GeneratedDefault>(parameters["redis-password"].Default);
    }

    [Fact]
    public void Env_args_and_connection_strings_are_strings_and_bindings_have_the_required_fields()
    {
        foreach (var (name, resource) in Resources)
        {
            foreach (var (variable, value) in resource!["env"]?.AsObject() ?? [])
            {
                Assert.True(value is JsonValue v && v.TryGetValue<string>(out _), $"{name}.env.{variable} is not a string");
            }

            Assert.All(resource["args"]?.AsArray() ?? [], a => Assert.True(a is JsonValue v && v.TryGetValue<string>(out _)));
            foreach (var (binding, value) in resource["bindings"]?.AsObject() ?? [])
            {
                var properties = value!.AsObject();
                Assert.Contains((string?)properties["scheme"], new[] { "http", "https", "tcp", "udp", "redis" });
                Assert.Contains((string?)properties["protocol"], new[] { "tcp", "udp" });
                Assert.Contains((string?)properties["transport"], new[] { "http", "http2", "tcp" });
                Assert.True(properties["external"] is null || properties["external"]!.GetValueKind() is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False, $"{name}.{binding}");
            }
        }
    }

    [Fact]
    public void Every_expression_refers_to_an_existing_resource_and_no_secret_is_written_literally()
    {
        var text = Json.ToJsonString();
        var expressions = Expression().Matches(text);
        Assert.NotEmpty(expressions);
        foreach (Match expression in expressions)
        {
            var resource = expression.Groups["resource"].Value;
            Assert.True(Resources.ContainsKey(resource), $"{expression.Value} refers to no resource");
            if (expression.Groups["binding"].Success)
            {
                Assert.NotNull(Resources[resource]!["bindings"]?[expression.Groups["binding"].Value]);
            }
        }

        foreach (var (name, value) in Resources.SelectMany(r => r.Value!["env"]?.AsObject() ?? []))
        {
            if (SecretName().IsMatch(name))
            {
                Assert.Matches("^\\{[a-z0-9-]+\\.(value|connectionString)\\}$", (string)value!);
            }
        }
    }

    [GeneratedRegex(@"\{(?<resource>[a-z0-9-]+)\.(connectionString|value|inputs\.value|bindings\.(?<binding>[a-z0-9]+)\.(url|host|port|targetPort))\}")]
    private static partial Regex Expression();

    [GeneratedRegex("password|secret|peppers__|adminkey|servicekey|signingkey|connectionstrings", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();
}
