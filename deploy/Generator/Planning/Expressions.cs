using System.Text;
using Platform.Deploy.Aspire;
using Platform.Deploy.Profile;

namespace Platform.Deploy.Planning;

/// <summary>Where the datastores are: supplied by the operator (the base) or run in the cluster (the overlay).</summary>
internal enum Placement
{
    Base,
    InCluster,
}

/// <summary>
/// A manifest string evaluated for Kubernetes.
/// </summary>
/// <param name="Text">
/// The value where it is known; what only the operator knows appears as a placeholder such as
/// <c>&lt;admin-key&gt;</c> or <c>&lt;postgres-server host&gt;</c> (used in comments, never as a value).
/// </param>
/// <param name="Inputs">Parameters the operator supplies (every secret parameter, and any parameter without a fixed value).</param>
/// <param name="Datastores">Containers the value depends on (a connection string, a host or port).</param>
/// <param name="Services">Projects whose endpoints the value names (a service URL): the caller calls them.</param>
internal sealed record Evaluation(string Text, IReadOnlySet<string> Inputs, IReadOnlySet<string> Datastores, IReadOnlySet<string> Services)
{
    /// <summary>
    /// The value exists only at deployment: it holds a secret, or (in the base) the address of a datastore the operator
    /// provides. Such a value goes into a Secret, never a plain environment value.
    /// </summary>
    public bool OperatorSupplied(Placement placement) => Inputs.Count > 0 || (placement == Placement.Base && Datastores.Count > 0);
}

/// <summary>
/// Resolves <c>{resource.property}</c> expressions the way a deployment tool for Kubernetes does: a service's URL is
/// its in-cluster Service (<c>http://auth:8080</c>), its target port the container port, a parameter an operator
/// input, and a connection string whatever it is built from (recursively).
/// </summary>
internal sealed class Expressions(AspireManifest manifest, DeploymentProfile profile)
{
    /// <param name="where">Where the string is, for error messages, e.g. <c>tool-execution: env services__auth__http__0</c>.</param>
    public Evaluation Evaluate(ValueTemplate template, string where, Placement placement)
    {
        var found = new Found();
        var text = Evaluate(template, where, placement, found, []);
        return new Evaluation(text, found.Inputs, found.Datastores, found.Services);
    }

    /// <summary>The port a project listens on: the manifest's target port of its http binding, else the profile's.</summary>
    public int PortOf(ProjectResource project) => HttpBinding(project).TargetPort ?? profile.HttpPort;

    public static Binding HttpBinding(ProjectResource project) => project.Bindings switch
    {
        [{ Scheme: "http" } binding] => binding,
        [] => throw new GeneratorException($"project '{project.Name}' has no binding; the generator deploys every project as an HTTP service (WithHttpEndpoint)."),
        _ => throw new GeneratorException(
            $"project '{project.Name}' has bindings {string.Join(", ", project.Bindings.Select(b => $"{b.Name} ({b.Scheme})"))}; "
            + "the generator deploys a project with exactly one http binding (TLS ends at the ingress)."),
    };

    private string Evaluate(ValueTemplate template, string where, Placement placement, Found found, List<string> stack)
    {
        var text = new StringBuilder();
        foreach (var part in template.Parts)
        {
            text.Append(part switch
            {
                LiteralPart literal => literal.Text,
                Reference reference => Resolve(reference, where, placement, found, stack),
                _ => throw new InvalidOperationException($"unexpected template part {part}"),
            });
        }

        return text.ToString();
    }

    private string Resolve(Reference reference, string where, Placement placement, Found found, List<string> stack)
    {
        var resource = manifest.Find(reference.Resource)
            ?? throw Unresolvable(reference, where, $"there is no resource '{reference.Resource}' in the manifest");
        switch (resource, reference.Property)
        {
            case (ParameterResource parameter, "value" or "inputs.value"):
                if (!parameter.Secret && parameter.Default is LiteralDefault fixedValue)
                {
                    return fixedValue.Value;
                }

                found.Inputs.Add(parameter.Name);
                return $"<{parameter.Name}>";

            case (ParameterResource or ValueResource or ContainerResource, "connectionString") when ConnectionStringOf(resource) is { } connectionString:
                return Nested(resource, connectionString, reference, where, placement, found, stack);

            case (AnnotatedStringResource annotated, "value"):
                var inner = new Found();
                var value = Nested(resource, annotated.Value, reference, where, placement, inner, stack);
                found.Add(inner);
                return annotated.Filter switch
                {
                    null => value,
                    // A placeholder stays readable; a known value is escaped as the filter says.
                    "uri" => inner.Inputs.Count > 0 ? value : Uri.EscapeDataString(value),
                    var filter => throw Unresolvable(reference, where, $"'{resource.Name}' has filter '{filter}', which the generator does not know"),
                };

            case (ProjectResource or ContainerResource, var property) when property.StartsWith("bindings.", StringComparison.Ordinal):
                return BindingProperty(resource, reference, where, placement, found);

            default:
                throw Unresolvable(reference, where, $"'{resource.Name}' is a {resource.Type} resource, which has no '{reference.Property}'");
        }
    }

    private static ValueTemplate? ConnectionStringOf(ManifestResource resource) => resource switch
    {
        ParameterResource parameter => parameter.ConnectionString,
        ValueResource value => value.ConnectionString,
        ContainerResource container => container.ConnectionString,
        _ => null,
    };

    private string Nested(ManifestResource resource, ValueTemplate template, Reference reference, string where, Placement placement, Found found, List<string> stack)
    {
        if (stack.Contains(resource.Name))
        {
            throw Unresolvable(reference, where, $"it refers back to itself ({string.Join(" -> ", stack.Append(resource.Name))})");
        }

        stack.Add(resource.Name);
        try
        {
            return Evaluate(template, $"{where} (through {reference.Text})", placement, found, stack);
        }
        finally
        {
            stack.RemoveAt(stack.Count - 1);
        }
    }

    private string BindingProperty(ManifestResource resource, Reference reference, string where, Placement placement, Found found)
    {
        var path = reference.Property.Split('.');
        if (path.Length != 3)
        {
            throw Unresolvable(reference, where, "a binding expression has the form {resource.bindings.<name>.<property>}");
        }

        var (bindingName, property) = (path[1], path[2]);
        var bindings = resource is ProjectResource project ? project.Bindings : ((ContainerResource)resource).Bindings;
        var binding = bindings.SingleOrDefault(b => b.Name == bindingName)
            ?? throw Unresolvable(reference, where, $"'{resource.Name}' has no binding '{bindingName}'");

        string host;
        string port;
        if (resource is ProjectResource service)
        {
            found.Services.Add(service.Name);
            host = service.Name;
            port = Invariant(PortOf(service));
        }
        else
        {
            found.Datastores.Add(resource.Name);
            var targetPort = binding.TargetPort
                ?? throw Unresolvable(reference, where, $"binding '{bindingName}' of '{resource.Name}' has no targetPort");
            (host, port) = placement == Placement.InCluster
                ? (resource.Name, Invariant(targetPort))
                : ($"<{resource.Name} host>", $"<{resource.Name} port>");
        }

        return property switch
        {
            "host" => host,
            "port" => port,
            "targetPort" => port,
            "scheme" => binding.Scheme,
            "url" => $"{binding.Scheme}://{host}:{port}",
            _ => throw Unresolvable(reference, where, $"a binding has no property '{property}' (host, port, targetPort, scheme, url)"),
        };
    }

    private static GeneratorException Unresolvable(Reference reference, string where, string reason) =>
        new($"{where}: cannot resolve \"{reference.Text}\": {reason}.");

    private static string Invariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private sealed class Found
    {
        public HashSet<string> Inputs { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Datastores { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Services { get; } = new(StringComparer.Ordinal);

        public void Add(Found other)
        {
            Inputs.UnionWith(other.Inputs);
            Datastores.UnionWith(other.Datastores);
            Services.UnionWith(other.Services);
        }
    }
}
