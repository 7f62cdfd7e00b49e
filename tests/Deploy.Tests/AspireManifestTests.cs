using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Platform.AppHost.Model;

namespace Platform.Deploy.Tests;

/// <summary>
/// The manifest against the structure of Aspire's aspire-8.0 schema: the schema file itself cannot be vendored
/// offline here (docs/deploy.md), so the rules it states for the resource types we use are checked directly.
/// </summary>
public sealed partial class AspireManifestTests(PublishedOutput published) : IClassFixture<PublishedOutput>
{
    private static readonly Dictionary<string, (string[] Required, string[] Allowed)> Shapes = new()
    {
        ["project.v0"] = (["type", "path"], ["type", "path", "args", "env", "bindings"]),
        ["container.v0"] = (["type", "image"], ["type", "image", "entrypoint", "args", "connectionString", "env", "bindings", "bindMounts", "volumes"]),
        ["value.v0"] = (["connectionString"], ["type", "connectionString"]),
        ["parameter.v0"] = (["value", "inputs"], ["type", "value", "connectionString", "inputs"]),
    };

    private JsonObject Resources => published.Manifest["resources"]!.AsObject();

    private IEnumerable<(string Name, JsonObject Resource)> OfType(string type) =>
        Resources.Where(r => (string?)r.Value!["type"] == type).Select(r => (r.Key, r.Value!.AsObject()));

    [Fact]
    public void It_declares_the_aspire_8_schema_and_only_resources_of_known_types()
    {
        Assert.Equal("https://json.schemastore.org/aspire-8.0.json", (string?)published.Manifest["$schema"]);
        Assert.Equal(["$schema", "resources"], published.Manifest.Select(p => p.Key));
        foreach (var (name, resource) in Resources)
        {
            var type = (string?)resource!["type"];
            Assert.True(type is not null && Shapes.ContainsKey(type), $"{name}: unexpected type {type}");
            var (required, allowed) = Shapes[type!];
            var properties = resource.AsObject().Select(p => p.Key).ToList();
            Assert.All(required, r => Assert.Contains(r, properties));
            Assert.All(properties, p => Assert.Contains(p, allowed));
        }
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
                Assert.Contains((string?)properties["scheme"], new[] { "http", "https", "tcp", "udp" });
                Assert.Contains((string?)properties["protocol"], new[] { "tcp", "udp" });
                Assert.Contains((string?)properties["transport"], new[] { "http", "http2", "tcp" });
                Assert.All(properties.Select(p => p.Key), p => Assert.Contains(p, new[] { "scheme", "protocol", "transport", "external", "targetPort", "port" }));
                Assert.True(properties["external"] is null || properties["external"]!.GetValueKind() is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False, $"{name}.{binding}");
            }
        }
    }

    [Fact]
    public void The_three_services_are_projects_whose_paths_resolve_from_the_manifest()
    {
        var projects = OfType("project.v0").ToList();
        Assert.Equal(PlatformModel.Services.Select(s => s.Name), projects.Select(p => p.Name));
        foreach (var (name, project) in projects)
        {
            var path = (string)project["path"]!;
            Assert.False(Path.IsPathRooted(path), $"{name}: the path must be relative to the manifest");
            Assert.True(File.Exists(Path.Combine(published.Directory, path)), $"{name}: {path} does not exist");
        }
    }

    [Fact]
    public void Only_auth_and_tool_execution_bindings_are_external()
    {
        var external = OfType("project.v0")
            .Where(p => p.Resource["bindings"]!["http"]!["external"] is JsonValue v && v.GetValue<bool>())
            .Select(p => p.Name);
        Assert.Equal([PlatformModel.Auth, PlatformModel.ToolExecution], external);
    }

    [Fact]
    public void Every_service_gets_aspire_connection_strings_and_service_urls_as_expressions()
    {
        foreach (var (name, project) in OfType("project.v0"))
        {
            var env = project["env"]!.AsObject();
            Assert.Equal("{postgres.connectionString}", (string?)env["ConnectionStrings__postgres"]);
            Assert.Equal("{redis.connectionString}", (string?)env["ConnectionStrings__redis"]);
            foreach (var service in PlatformModel.Services)
            {
                Assert.Equal($"{{{service.Name}.bindings.http.url}}", (string?)env[$"services__{service.Name}__http__0"]);
            }

            Assert.Equal(name != PlatformModel.Audit, env.ContainsKey("ASPNETCORE_FORWARDEDHEADERS_ENABLED"));
            Assert.Equal(name == PlatformModel.Auth, env.ContainsKey("Auth__BootstrapAdminKey"));
            Assert.Equal(name == PlatformModel.Auth, env.ContainsKey("Auth__Peppers__v1"));
        }

        Assert.Equal("{admin-key.value}", (string?)Resources["auth"]!["env"]!["Auth__BootstrapAdminKey"]);
        Assert.Equal("{pepper.value}", (string?)Resources["auth"]!["env"]!["Auth__Peppers__v1"]);
    }

    [Fact]
    public void Secrets_are_generated_secret_parameters()
    {
        var parameters = OfType("parameter.v0").ToList();
        Assert.Superset(new HashSet<string> { "admin-key", "pepper", "postgres-password" }, parameters.Select(p => p.Name).ToHashSet());
        foreach (var (name, parameter) in parameters)
        {
            Assert.Equal($"{{{name}.inputs.value}}", (string?)parameter["value"]);
            var input = parameter["inputs"]!["value"]!;
            Assert.Equal("string", (string?)input["type"]);
            Assert.True((bool)input["secret"]!);
            Assert.True((int)input["default"]!["generate"]!["minLength"]! >= 32);
        }
    }

    [Fact]
    public void Postgres_and_redis_are_pinned_containers_and_the_database_is_a_value()
    {
        var containers = OfType("container.v0").ToDictionary(c => c.Name, c => c.Resource);
        Assert.Equal(["postgres-server", "redis"], containers.Keys.Order(StringComparer.Ordinal));
        foreach (var (_, container) in containers)
        {
            var image = (string)container["image"]!;
            Assert.Matches(@"^[a-z0-9./-]+:[0-9][A-Za-z0-9.-]*$", image);
            Assert.NotNull(container["connectionString"]);
        }

        var database = Assert.Single(OfType("value.v0"));
        Assert.Equal("postgres", database.Name);
        Assert.Equal("{postgres-server.connectionString};Database=platform", (string?)database.Resource["connectionString"]);
    }

    [Fact]
    public void Every_expression_refers_to_an_existing_resource_and_no_secret_is_written_literally()
    {
        var text = published.Manifest.ToJsonString();
        foreach (Match expression in Expression().Matches(text))
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

    [GeneratedRegex("password|secret|peppers__|adminkey|connectionstrings", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();
}
