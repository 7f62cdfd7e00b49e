using System.Text.Json;

namespace Platform.Deploy.Aspire;

/// <summary>
/// aspire-manifest.json as Aspire's manifest publisher writes it (<c>dotnet run -- --publisher manifest</c>), read with
/// System.Text.Json into the typed resources the generator understands. Anything else is refused with a
/// <see cref="GeneratorException"/> that names the resource, rather than silently left out of the deployment.
/// </summary>
public sealed class AspireManifest
{
    public const string FileName = "aspire-manifest.json";

    public static IReadOnlyList<string> SupportedTypes { get; } =
    [
        ProjectResource.TypeName, ContainerResource.TypeName, ParameterResource.TypeName, ValueResource.TypeName, AnnotatedStringResource.TypeName,
    ];

    private readonly Dictionary<string, ManifestResource> _byName;

    private AspireManifest(IReadOnlyList<ManifestResource> resources)
    {
        Resources = resources;
        _byName = resources.ToDictionary(r => r.Name, StringComparer.Ordinal);
    }

    /// <summary>In manifest order, which is the order of the generated objects.</summary>
    public IReadOnlyList<ManifestResource> Resources { get; }

    public IEnumerable<ProjectResource> Projects => Resources.OfType<ProjectResource>();

    public IEnumerable<ContainerResource> Containers => Resources.OfType<ContainerResource>();

    public ManifestResource? Find(string name) => _byName.GetValueOrDefault(name);

    public static AspireManifest Load(string path)
    {
        var json = File.ReadAllText(path);
        return Parse(json);
    }

    public static AspireManifest Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException e)
        {
            throw new GeneratorException($"not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("resources", out var resources)
                || resources.ValueKind != JsonValueKind.Object)
            {
                throw new GeneratorException("not an Aspire manifest: expected an object with a \"resources\" object.");
            }

            var duplicate = resources.EnumerateObject().GroupBy(r => r.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
            {
                throw new GeneratorException($"resource '{duplicate.Key}' appears more than once.");
            }

            return new AspireManifest([.. resources.EnumerateObject().Select(r => Resource(r.Name, r.Value))]);
        }
    }

    private static ManifestResource Resource(string name, JsonElement resource)
    {
        if (resource.ValueKind != JsonValueKind.Object)
        {
            throw new GeneratorException($"resource '{name}' must be an object.");
        }

        var reader = new PropertyReader(name, resource);
        var type = reader.RequiredString("type");
        return type switch
        {
            ProjectResource.TypeName => new ProjectResource(
                name, reader.RequiredString("path"), reader.Templates("args"), reader.Environment(), reader.Bindings()),
            ContainerResource.TypeName => Container(name, reader),
            ParameterResource.TypeName => Parameter(name, reader),
            ValueResource.TypeName => new ValueResource(name, ValueTemplate.Parse(reader.RequiredString("connectionString"))),
            AnnotatedStringResource.TypeName => new AnnotatedStringResource(
                name, ValueTemplate.Parse(reader.RequiredString("value")), reader.OptionalString("filter")),
            _ => throw new GeneratorException(
                $"resource '{name}' has type '{type}', which the generator cannot deploy (it knows {string.Join(", ", SupportedTypes)}). "
                + "Leave the resource out of the published manifest (ExcludeFromManifest) or teach deploy/Generator its Kubernetes form."),
        };
    }

    private static ContainerResource Container(string name, PropertyReader reader)
    {
        if (reader.Element.TryGetProperty("bindMounts", out var bindMounts) && bindMounts.ValueKind == JsonValueKind.Array && bindMounts.GetArrayLength() > 0)
        {
            throw new GeneratorException($"resource '{name}' has bind mounts, which have no equivalent in a cluster; use a volume.");
        }

        // "volumes" are left to the deployment profile: in a cluster the data lives on a PersistentVolumeClaim.
        return new ContainerResource(
            name,
            reader.RequiredString("image"),
            reader.OptionalString("entrypoint"),
            reader.Templates("args"),
            reader.Environment(),
            reader.Bindings(),
            reader.OptionalString("connectionString") is { } connectionString ? ValueTemplate.Parse(connectionString) : null);
    }

    private static ParameterResource Parameter(string name, PropertyReader reader)
    {
        var value = reader.RequiredString("value");
        if (value != $"{{{name}.inputs.value}}")
        {
            throw new GeneratorException($"parameter '{name}' has value '{value}'; expected '{{{name}.inputs.value}}'.");
        }

        var input = reader.Object("inputs").Object("value");
        var secret = input.OptionalBool("secret") ?? false;
        ParameterDefault? fallback = null;
        if (input.Has("default"))
        {
            var defaults = input.Object("default");
            if (defaults.Has("generate"))
            {
                var generate = defaults.Object("generate");
                fallback = new GeneratedDefault(generate.OptionalInt("minLength") ?? 22, generate.OptionalBool("special") ?? true);
            }
            else if (defaults.OptionalString("value") is { } literal)
            {
                fallback = new LiteralDefault(literal);
            }
            else
            {
                throw new GeneratorException($"parameter '{name}' has a default that is neither \"generate\" nor \"value\".");
            }
        }

        return new ParameterResource(name, secret, fallback,
            reader.OptionalString("connectionString") is { } connectionString ? ValueTemplate.Parse(connectionString) : null);
    }

    /// <summary>Typed access to one JSON object, with errors that say where in the manifest the problem is.</summary>
    private readonly struct PropertyReader(string path, JsonElement element)
    {
        public JsonElement Element => element;

        public bool Has(string property) => element.TryGetProperty(property, out _);

        public string RequiredString(string property) =>
            OptionalString(property) ?? throw new GeneratorException($"resource '{path}' has no \"{property}\".");

        public string? OptionalString(string property) => element.TryGetProperty(property, out var value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : throw WrongKind(property, "a string")
            : null;

        public bool? OptionalBool(string property) => element.TryGetProperty(property, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw WrongKind(property, "true or false"),
            }
            : null;

        public int? OptionalInt(string property) => element.TryGetProperty(property, out var value)
            ? value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : throw WrongKind(property, "an integer")
            : null;

        public PropertyReader Object(string property) => element.TryGetProperty(property, out var value)
            ? value.ValueKind == JsonValueKind.Object ? new PropertyReader($"{path}.{property}", value) : throw WrongKind(property, "an object")
            : throw new GeneratorException($"resource '{path}' has no \"{property}\".");

        public IReadOnlyList<ValueTemplate> Templates(string property)
        {
            if (!element.TryGetProperty(property, out var array))
            {
                return [];
            }

            if (array.ValueKind != JsonValueKind.Array)
            {
                throw WrongKind(property, "an array");
            }

            var location = path;
            return [.. array.EnumerateArray().Select((item, i) => item.ValueKind == JsonValueKind.String
                ? ValueTemplate.Parse(item.GetString()!)
                : throw new GeneratorException($"resource '{location}': {property}[{i}] must be a string."))];
        }

        public IReadOnlyList<EnvironmentVariable> Environment()
        {
            if (!Has("env"))
            {
                return [];
            }

            var env = Object("env");
            return [.. env.Element.EnumerateObject().Select(v => new EnvironmentVariable(v.Name, ValueTemplate.Parse(env.RequiredStringOf(v))))];
        }

        public IReadOnlyList<Binding> Bindings()
        {
            if (!Has("bindings"))
            {
                return [];
            }

            var bindings = Object("bindings");
            return [.. bindings.Element.EnumerateObject().Select(b =>
            {
                var binding = bindings.Object(b.Name);
                return new Binding(
                    b.Name,
                    binding.RequiredString("scheme"),
                    binding.RequiredString("protocol"),
                    binding.RequiredString("transport"),
                    binding.OptionalBool("external") ?? false,
                    binding.OptionalInt("targetPort"),
                    binding.OptionalInt("port"));
            })];
        }

        private string RequiredStringOf(JsonProperty property) => property.Value.ValueKind == JsonValueKind.String
            ? property.Value.GetString()!
            : throw WrongKind(property.Name, "a string");

        private GeneratorException WrongKind(string property, string expected) =>
            new($"resource '{path}': \"{property}\" must be {expected}.");
    }
}
