using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Platform.Deploy.Tests;

/// <summary>
/// What the committed manifest says, read straight from its JSON: the tests' own oracle for what the generator must
/// derive (who calls whom, who uses which datastore, which settings are secret), so they do not merely repeat the
/// generator's logic.
/// </summary>
internal static partial class ManifestFacts
{
    public static JsonObject Resources(JsonObject manifest) => manifest["resources"]!.AsObject();

    public static IEnumerable<(string Name, JsonObject Resource)> OfType(JsonObject manifest, string type) =>
        Resources(manifest).Where(r => (string?)r.Value!["type"] == type).Select(r => (r.Key, r.Value!.AsObject()));

    public static List<string> Projects(JsonObject manifest) => [.. OfType(manifest, "project.v0").Select(p => p.Name)];

    public static List<string> Containers(JsonObject manifest) => [.. OfType(manifest, "container.v0").Select(p => p.Name)];

    public static List<string> ExternalProjects(JsonObject manifest) =>
    [
        .. OfType(manifest, "project.v0")
            .Where(p => p.Resource["bindings"]!.AsObject().Any(b => b.Value!["external"] is JsonValue v && v.GetValue<bool>()))
            .Select(p => p.Name),
    ];

    public static JsonObject Env(JsonObject manifest, string resource) =>
        Resources(manifest)[resource]!["env"]?.AsObject() ?? [];

    /// <summary>The projects whose URL a project is given (<c>{auth.bindings.http.url}</c>), itself excluded.</summary>
    public static List<string> Callees(JsonObject manifest, string project) =>
    [
        .. Projects(manifest).Where(other => other != project
            && Env(manifest, project).Any(e => ((string)e.Value!).Contains($"{{{other}.bindings.", StringComparison.Ordinal))),
    ];

    /// <summary>Every resource a value reaches through its expressions, following connection strings and values.</summary>
    public static HashSet<string> Reached(JsonObject manifest, string value)
    {
        var reached = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([value]);
        while (pending.TryPop(out var text))
        {
            foreach (Match match in Expression().Matches(text))
            {
                var name = match.Groups["resource"].Value;
                if (reached.Add(name) && Resources(manifest)[name] is JsonObject resource)
                {
                    foreach (var property in new[] { "connectionString", "value" })
                    {
                        if (resource[property] is JsonValue nested && nested.TryGetValue<string>(out var nestedText))
                        {
                            pending.Push(nestedText);
                        }
                    }
                }
            }
        }

        return reached;
    }

    /// <summary>The containers (datastores) a project's settings reach.</summary>
    public static List<string> DatastoresOf(JsonObject manifest, string project)
    {
        var reached = Env(manifest, project).SelectMany(e => Reached(manifest, (string)e.Value!)).ToHashSet(StringComparer.Ordinal);
        return [.. Containers(manifest).Where(reached.Contains)];
    }

    /// <summary>A setting that reaches a secret parameter (directly or through connection strings) or a datastore.</summary>
    public static bool NeedsSecret(JsonObject manifest, string value) => Reached(manifest, value).Any(name =>
        Resources(manifest)[name] is JsonObject resource
        && ((string?)resource["type"] == "container.v0"
            || ((string?)resource["type"] == "parameter.v0" && resource["inputs"]?["value"]?["secret"] is JsonValue secret && secret.GetValue<bool>())));

    [GeneratedRegex(@"\{(?<resource>[A-Za-z0-9-]+)\.[A-Za-z0-9_.-]+\}")]
    public static partial Regex Expression();
}
