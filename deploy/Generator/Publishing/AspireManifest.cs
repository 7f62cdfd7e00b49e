using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.AppHost.Model;

namespace Platform.AppHost.Publishing;

/// <summary>
/// aspire-manifest.json in Aspire's manifest format (schema aspire-8.0), so Aspire's deployment tools can read the
/// platform exactly as if a real Aspire AppHost had written it.
/// </summary>
public static class AspireManifest
{
    public const string FileName = "aspire-manifest.json";
    public const string Schema = "https://json.schemastore.org/aspire-8.0.json";

    public static string Render(string repositoryRoot, string outputDirectory)
    {
        var resources = new JsonObject();
        foreach (var parameter in PlatformModel.Parameters)
        {
            resources[parameter.Name] = Parameter(parameter);
        }

        foreach (var server in PlatformModel.BackingServers)
        {
            resources[server.Name] = Container(server);
        }

        resources[PlatformModel.Postgres] = new JsonObject
        {
            ["type"] = "value.v0",
            ["connectionString"] = $"{{{PlatformModel.PostgresServer}.connectionString}};Database={PlatformModel.DatabaseName}",
        };

        foreach (var service in PlatformModel.Services)
        {
            resources[service.Name] = Project(service, repositoryRoot, outputDirectory);
        }

        var manifest = new JsonObject { ["$schema"] = Schema, ["resources"] = resources };
        var json = manifest.ToJsonString(new JsonSerializerOptions
        {
            WriteIndented = true,

            // Expressions contain '{', '}' and '+'; escaping them would make the file unreadable for no gain.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });
        return json.ReplaceLineEndings("\n") + "\n";
    }

    public static void Write(string repositoryRoot, string outputDirectory) =>
        File.WriteAllText(Path.Combine(outputDirectory, FileName), Render(repositoryRoot, outputDirectory), new UTF8Encoding(false));

    private static JsonObject Parameter(SecretParameter parameter) => new()
    {
        ["type"] = "parameter.v0",
        ["value"] = $"{{{parameter.Name}.inputs.value}}",
        ["inputs"] = new JsonObject
        {
            ["value"] = new JsonObject
            {
                ["type"] = "string",
                ["secret"] = true,
                ["default"] = new JsonObject
                {
                    ["generate"] = new JsonObject { ["minLength"] = parameter.GeneratedLength, ["special"] = false },
                },
            },
        },
    };

    private static JsonObject Container(BackingServer server)
    {
        var container = new JsonObject
        {
            ["type"] = "container.v0",
            ["connectionString"] = server.ConnectionString,
            ["image"] = server.Image,
        };
        if (server.Arguments.Count > 0)
        {
            container["args"] = new JsonArray([.. server.Arguments.Select(a => (JsonNode)JsonValue.Create(a))]);
        }

        if (server.Environment.Count > 0)
        {
            container["env"] = Env(server.Environment);
        }

        container["bindings"] = new JsonObject
        {
            ["tcp"] = new JsonObject
            {
                ["scheme"] = "tcp",
                ["protocol"] = "tcp",
                ["transport"] = "tcp",
                ["targetPort"] = server.Port,
            },
        };
        return container;
    }

    private static JsonObject Project(ServiceResource service, string repositoryRoot, string outputDirectory)
    {
        var projectPath = Path.GetFullPath(service.ProjectPath, repositoryRoot);
        var relative = Path.GetRelativePath(Path.GetFullPath(outputDirectory), projectPath).Replace('\\', '/');
        var http = new JsonObject { ["scheme"] = "http", ["protocol"] = "tcp", ["transport"] = "http" };
        if (service.External)
        {
            http["external"] = true;
        }

        return new JsonObject
        {
            ["type"] = "project.v0",
            ["path"] = relative,
            ["env"] = Env(ProjectEnvironment(service)),
            ["bindings"] = new JsonObject { ["http"] = http },
        };
    }

    /// <summary>The same variables the local run sets (see EnvironmentContract), as manifest expressions.</summary>
    private static List<KeyValuePair<string, string>> ProjectEnvironment(ServiceResource service)
    {
        List<KeyValuePair<string, string>> env =
        [
            new("OTEL_SERVICE_NAME", service.Name),
            new("OTEL_DOTNET_EXPERIMENTAL_OTLP_EMIT_EXCEPTION_LOG_ATTRIBUTES", "true"),
            new("OTEL_DOTNET_EXPERIMENTAL_OTLP_EMIT_EVENT_LOG_ATTRIBUTES", "true"),
            new("HTTP_PORTS", $"{{{service.Name}.bindings.http.targetPort}}"),
            new($"ConnectionStrings__{PlatformModel.Postgres}", $"{{{PlatformModel.Postgres}.connectionString}}"),
            new($"ConnectionStrings__{PlatformModel.Redis}", $"{{{PlatformModel.Redis}.connectionString}}"),
        ];
        env.AddRange(PlatformModel.Services.Select(s =>
            new KeyValuePair<string, string>($"services__{s.Name}__http__0", $"{{{s.Name}.bindings.http.url}}")));
        env.AddRange(service.Secrets.Select(s => new KeyValuePair<string, string>(s.Variable, $"{{{s.Parameter}.value}}")));
        env.AddRange(PlatformModel.DeploymentSettings(service));
        return env;
    }

    private static JsonObject Env(IEnumerable<KeyValuePair<string, string>> variables)
    {
        var env = new JsonObject();
        foreach (var (name, value) in variables)
        {
            env[name] = value;
        }

        return env;
    }
}
