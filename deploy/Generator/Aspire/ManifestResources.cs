namespace Platform.Deploy.Aspire;

/// <summary>One resource of aspire-manifest.json, reduced to what a Kubernetes deployment needs.</summary>
public abstract record ManifestResource(string Name)
{
    /// <summary>The manifest's <c>type</c>, e.g. <c>project.v0</c>.</summary>
    public abstract string Type { get; }
}

/// <summary><c>project.v0</c>: one of the platform's services.</summary>
/// <param name="Path">The .csproj, relative to the manifest.</param>
public sealed record ProjectResource(
    string Name,
    string Path,
    IReadOnlyList<ValueTemplate> Args,
    IReadOnlyList<EnvironmentVariable> Environment,
    IReadOnlyList<Binding> Bindings) : ManifestResource(Name)
{
    public const string TypeName = "project.v0";

    public override string Type => TypeName;

    /// <summary>Reachable from outside the cluster: a binding marked <c>external: true</c>.</summary>
    public bool External => Bindings.Any(b => b.External);
}

/// <summary><c>container.v0</c>: a datastore (PostgreSQL, Redis) the services use.</summary>
/// <param name="Entrypoint">Replaces the image's entrypoint when set.</param>
public sealed record ContainerResource(
    string Name,
    string Image,
    string? Entrypoint,
    IReadOnlyList<ValueTemplate> Args,
    IReadOnlyList<EnvironmentVariable> Environment,
    IReadOnlyList<Binding> Bindings,
    ValueTemplate? ConnectionString) : ManifestResource(Name)
{
    public const string TypeName = "container.v0";

    public override string Type => TypeName;
}

/// <summary><c>parameter.v0</c>: a value the deployment supplies, secret or not.</summary>
/// <param name="Default">How a deployment tool may fill it in; null when the operator must supply it.</param>
/// <param name="ConnectionString">Set for parameters that stand for a connection string (<c>AddConnectionString</c>).</param>
public sealed record ParameterResource(string Name, bool Secret, ParameterDefault? Default, ValueTemplate? ConnectionString)
    : ManifestResource(Name)
{
    public const string TypeName = "parameter.v0";

    public override string Type => TypeName;
}

public abstract record ParameterDefault;

/// <summary><c>default.generate</c>: a random value of at least <paramref name="MinLength"/> characters.</summary>
/// <param name="Special">Whether the generated value may contain punctuation; false means letters and digits only.</param>
public sealed record GeneratedDefault(int MinLength, bool Special) : ParameterDefault;

/// <summary><c>default.value</c>: a fixed value.</summary>
public sealed record LiteralDefault(string Value) : ParameterDefault;

/// <summary><c>value.v0</c>: a named connection string built from others (the database on a server, a TLS suffix).</summary>
public sealed record ValueResource(string Name, ValueTemplate ConnectionString) : ManifestResource(Name)
{
    public const string TypeName = "value.v0";

    public override string Type => TypeName;
}

/// <summary><c>annotated.string</c>: another value with a filter applied, e.g. a parameter URI-escaped (<c>filter: uri</c>).</summary>
public sealed record AnnotatedStringResource(string Name, ValueTemplate Value, string? Filter) : ManifestResource(Name)
{
    public const string TypeName = "annotated.string";

    public override string Type => TypeName;
}

/// <summary>An endpoint of a project or container.</summary>
/// <param name="TargetPort">The port inside the container; the manifest leaves it out for projects.</param>
public sealed record Binding(string Name, string Scheme, string Protocol, string Transport, bool External, int? TargetPort, int? Port);

public sealed record EnvironmentVariable(string Name, ValueTemplate Value);
