using System.Text.RegularExpressions;
using Platform.Deploy.Aspire;
using Platform.Deploy.Profile;

namespace Platform.Deploy.Planning;

/// <summary>An environment variable: a plain value, or a key of a Secret (exactly one of the two).</summary>
internal sealed record Setting(string Name, string? Value, SecretKeyReference? Secret)
{
    public static Setting Plain(string name, string value) => new(name, value, null);

    public static Setting FromSecret(string name, SecretKeyReference secret) => new(name, null, secret);
}

internal sealed record SecretKeyReference(string Secret, string Key);

/// <summary>A Secret the generator ships with empty values, and what the operator puts in each key.</summary>
internal sealed record PlannedSecret(string Name, string Owner, IReadOnlyList<SecretEntry> Entries);

/// <param name="Supply">What belongs in the key, for the comment above the Secret, e.g. <c>connection string Host=&lt;postgres-server host&gt;;…</c>.</param>
internal sealed record SecretEntry(string Key, string Supply);

/// <summary>A <c>project.v0</c> resource as a Deployment.</summary>
/// <param name="Calls">Services whose URL this one is given (manifest order).</param>
/// <param name="Datastores">Containers whose connection string or address it is given (manifest order).</param>
internal sealed record PlannedService(
    string Name,
    ServiceProfile Profile,
    int Port,
    bool External,
    IReadOnlyList<Setting> Environment,
    IReadOnlyList<string> Args,
    IReadOnlyList<string> Calls,
    IReadOnlyList<string> Datastores);

/// <summary>A <c>container.v0</c> resource as a StatefulSet of the in-cluster datastores overlay.</summary>
/// <param name="Command">Replaces the image's entrypoint; null keeps it.</param>
/// <param name="Clients">Services that use it (manifest order).</param>
internal sealed record PlannedDatastore(
    string Name,
    string Image,
    DatastoreProfile Profile,
    IReadOnlyList<DatastorePort> Ports,
    IReadOnlyList<Setting> Environment,
    IReadOnlyList<string>? Command,
    IReadOnlyList<string> Args,
    IReadOnlyList<string> Clients);

internal sealed record DatastorePort(string Name, int Port);

/// <summary>
/// The manifest and the profile resolved into what the Kubernetes objects need: every setting as a plain value or a
/// Secret key, who calls whom, who uses which datastore. Built completely before anything is written, so a manifest the
/// generator cannot deploy changes no file.
/// </summary>
internal sealed partial record DeploymentPlan(
    DeploymentProfile Profile,
    IReadOnlyList<PlannedService> Services,
    IReadOnlyList<PlannedSecret> Secrets,
    IReadOnlyList<PlannedDatastore> Datastores,
    PlannedSecret DatastoreCredentials,
    IReadOnlyList<SecretEntry> InClusterConnectionStrings)
{
    /// <summary>Connection strings, shared by every service that uses them (key: the resource, e.g. <c>postgres</c>).</summary>
    public const string ConnectionStringsSecret = "platform-connection-strings";

    /// <summary>The in-cluster datastores' own secrets (their passwords), in the overlay.</summary>
    public const string DatastoreCredentialsSecret = "datastore-credentials";

    /// <summary>The owner label of objects that belong to no one service.</summary>
    public const string Platform = "platform";

    /// <summary>
    /// Trust <c>X-Forwarded-For</c> from the immediate peer. Right behind the ingress, where the peer is the ingress
    /// controller and client IPs (key allowlists, per-IP limits) come from the header; wrong anywhere else, where any
    /// caller could name its own address. Aspire sets it on every project of a published manifest, so the generator
    /// sets it exactly on the external services (the old model's rule) whatever the manifest says.
    /// </summary>
    public const string ForwardedHeadersVariable = "ASPNETCORE_FORWARDEDHEADERS_ENABLED";

    public static string SecretOf(string service) => $"{service}-secrets";

    public static DeploymentPlan From(AspireManifest manifest, DeploymentProfile profile)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(profile);
        CheckProfileNames(manifest, profile);

        var expressions = new Expressions(manifest, profile);
        var secrets = new SecretCatalog();
        secrets.Declare(ConnectionStringsSecret, Platform);
        var services = manifest.Projects.Select(p => Service(p, manifest, profile, expressions, secrets)).ToList();

        var credentials = new SecretCatalog();
        credentials.Declare(DatastoreCredentialsSecret, Platform);
        var datastores = manifest.Containers.Select(c => Datastore(c, manifest, profile, expressions, credentials, services)).ToList();

        // The same connection strings, as they read with the overlay's datastores (for the comment in the overlay).
        var inCluster = secrets.Entries(ConnectionStringsSecret)
            .Select(e => new SecretEntry(e.Key, expressions.Evaluate(ValueTemplate.Parse($"{{{e.Key}.connectionString}}"), e.Key, Placement.InCluster).Text))
            .ToList();
        return new DeploymentPlan(profile, services, secrets.Secrets, datastores,
            credentials.Secrets.SingleOrDefault() ?? new PlannedSecret(DatastoreCredentialsSecret, Platform, []), inCluster);
    }

    private static PlannedService Service(ProjectResource project, AspireManifest manifest, DeploymentProfile profile, Expressions expressions, SecretCatalog secrets)
    {
        var serviceProfile = profile.ServiceOf(project.Name);
        CheckServiceProfile(project, serviceProfile);
        var calls = new HashSet<string>(StringComparer.Ordinal);
        var datastores = new HashSet<string>(StringComparer.Ordinal);

        // Aspire names a service's telemetry after its resource when it runs it; the manifest leaves that to the deployment.
        var environment = new List<Setting>();
        if (project.Environment.All(v => v.Name != "OTEL_SERVICE_NAME"))
        {
            environment.Add(Setting.Plain("OTEL_SERVICE_NAME", project.Name));
        }

        foreach (var variable in project.Environment)
        {
            if (variable.Name == ForwardedHeadersVariable)
            {
                if (project.External)
                {
                    environment.Add(Setting.Plain(ForwardedHeadersVariable, "true"));
                }

                continue;
            }

            var evaluation = expressions.Evaluate(variable.Value, $"{project.Name}: env {variable.Name}", Placement.Base);
            calls.UnionWith(evaluation.Services);
            datastores.UnionWith(evaluation.Datastores);
            environment.Add(evaluation.OperatorSupplied(Placement.Base)
                ? Setting.FromSecret(variable.Name, SecretKeyOf(project, variable, evaluation, manifest, secrets))
                : Setting.Plain(variable.Name, evaluation.Text));
        }

        if (project.External && environment.All(e => e.Name != ForwardedHeadersVariable))
        {
            environment.Add(Setting.Plain(ForwardedHeadersVariable, "true"));
        }

        var args = project.Args.Select((arg, i) =>
        {
            var evaluation = expressions.Evaluate(arg, $"{project.Name}: args[{i}]", Placement.Base);
            calls.UnionWith(evaluation.Services);
            return evaluation.OperatorSupplied(Placement.Base)
                ? throw new GeneratorException($"{project.Name}: args[{i}] \"{arg}\" needs a secret or a datastore address; pass it through an environment variable instead.")
                : evaluation.Text;
        }).ToList();

        // A service naming its own endpoint (HTTP_PORTS) does not call itself.
        calls.Remove(project.Name);
        return new PlannedService(
            project.Name,
            serviceProfile,
            expressions.PortOf(project),
            project.External,
            environment,
            args,
            [.. manifest.Projects.Select(p => p.Name).Where(calls.Contains)],
            [.. manifest.Containers.Select(c => c.Name).Where(datastores.Contains)]);
    }

    /// <summary>
    /// A parameter goes under its own name into the service's Secret, a connection string under its resource name into
    /// the shared connection-strings Secret; any other value that needs one goes into the service's Secret under the
    /// variable's name.
    /// </summary>
    private static SecretKeyReference SecretKeyOf(ProjectResource project, EnvironmentVariable variable, Evaluation evaluation, AspireManifest manifest, SecretCatalog secrets) =>
        variable.Value.SingleReference switch
        {
            { Property: "value" or "inputs.value" } reference when manifest.Find(reference.Resource) is ParameterResource parameter =>
                secrets.Add(SecretOf(project.Name), project.Name, parameter.Name, Describe(parameter)),
            { Property: "connectionString" } reference =>
                secrets.Add(ConnectionStringsSecret, Platform, reference.Resource, $"connection string {evaluation.Text}"),
            _ => secrets.Add(SecretOf(project.Name), project.Name, variable.Name, evaluation.Text),
        };

    private static PlannedDatastore Datastore(
        ContainerResource container, AspireManifest manifest, DeploymentProfile profile, Expressions expressions, SecretCatalog credentials, IReadOnlyList<PlannedService> services)
    {
        var datastoreProfile = profile.Datastores.GetValueOrDefault(container.Name)
            ?? throw new GeneratorException(
                $"container '{container.Name}' has no entry in the deployment profile's Datastores (deploy/Generator/Profile/PlatformProfile.cs): "
                + "the in-cluster overlay needs its user, data path and storage size.");
        var ports = container.Bindings.Select(b => new DatastorePort(b.Name, b.TargetPort
            ?? throw new GeneratorException($"container '{container.Name}': binding '{b.Name}' has no targetPort."))).ToList();
        if (ports.Count == 0)
        {
            throw new GeneratorException($"container '{container.Name}' has no binding, so no service could reach it.");
        }

        var environment = new List<Setting>();
        foreach (var variable in container.Environment)
        {
            var evaluation = expressions.Evaluate(variable.Value, $"{container.Name}: env {variable.Name}", Placement.InCluster);
            environment.Add(evaluation.OperatorSupplied(Placement.InCluster)
                ? Setting.FromSecret(variable.Name, variable.Value.SingleReference is { Property: "value" or "inputs.value" } reference
                                                     && manifest.Find(reference.Resource) is ParameterResource parameter
                    ? credentials.Add(DatastoreCredentialsSecret, Platform, parameter.Name, Describe(parameter))
                    : credentials.Add(DatastoreCredentialsSecret, Platform, $"{container.Name}.{variable.Name}", evaluation.Text))
                : Setting.Plain(variable.Name, evaluation.Text));
        }

        if (datastoreProfile.DatabaseVariable is { } databaseVariable && DatabaseOn(container, manifest) is { } database)
        {
            environment.Add(Setting.Plain(databaseVariable, database));
        }

        environment.AddRange(datastoreProfile.Environment.Select(e => Setting.Plain(e.Key, e.Value)));

        var args = container.Args.Select((arg, i) =>
        {
            var evaluation = expressions.Evaluate(arg, $"{container.Name}: args[{i}]", Placement.InCluster);
            return evaluation.OperatorSupplied(Placement.InCluster)
                ? throw new GeneratorException($"{container.Name}: args[{i}] \"{arg}\" holds a secret; pass it through an environment variable instead.")
                : evaluation.Text;
        }).ToList();
        var (command, arguments) = ServerCommand(container, args, datastoreProfile, environment);

        return new PlannedDatastore(
            container.Name,
            container.Image,
            datastoreProfile,
            ports,
            environment,
            command,
            arguments,
            [.. services.Where(s => s.Datastores.Contains(container.Name)).Select(s => s.Name)]);
    }

    /// <summary>
    /// The manifest's command with the profile's server arguments appended. A shell command (<c>/bin/sh -c "…"</c>) is
    /// run with <c>exec</c>, so the server is PID 1 and stops cleanly on SIGTERM, and first refuses to start while a
    /// Secret it needs is empty: the Secrets ship empty, and an empty password must never mean no password.
    /// </summary>
    private static (IReadOnlyList<string>? Command, IReadOnlyList<string> Args) ServerCommand(
        ContainerResource container, IReadOnlyList<string> args, DatastoreProfile profile, IReadOnlyList<Setting> environment)
    {
        if (container.Entrypoint is not ("/bin/sh" or "sh" or "/bin/bash" or "bash") || args is not ["-c", var script])
        {
            return (container.Entrypoint is { } entrypoint ? [entrypoint] : null, [.. args, .. profile.ServerArguments]);
        }

        if (!SimpleCommand().IsMatch(script))
        {
            throw new GeneratorException(
                $"container '{container.Name}': the shell command \"{script}\" is more than one simple command, so the generator cannot run it with exec "
                + "and append the profile's server arguments; make it one command.");
        }

        var guards = environment.Where(e => e.Secret is not null)
            .Select(e => $": \"${{{e.Name}:?is empty: set {e.Secret!.Key} in the Secret {e.Secret.Secret}}}\"; ");
        return ([container.Entrypoint], ["-c", $"{string.Concat(guards)}exec {string.Join(' ', [script, .. profile.ServerArguments.Select(ShellWord)])}"]);
    }

    /// <summary>The database a <c>value.v0</c> resource names on this server (<c>{server.connectionString};Database=x</c>).</summary>
    private static string? DatabaseOn(ContainerResource container, AspireManifest manifest)
    {
        var databases = manifest.Resources.OfType<ValueResource>()
            .Where(v => v.ConnectionString.Parts is [Reference { Property: "connectionString" } server, LiteralPart] && server.Resource == container.Name)
            .Select(v => DatabaseName().Match(((LiteralPart)v.ConnectionString.Parts[1]).Text))
            .Where(m => m.Success)
            .Select(m => m.Groups["name"].Value)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return databases.Count switch
        {
            0 => null,
            1 => databases[0],
            _ => throw new GeneratorException(
                $"container '{container.Name}' has databases {string.Join(", ", databases)}; its image creates one at first start, so the overlay supports one."),
        };
    }

    private static string Describe(ParameterResource parameter) => (parameter.Secret ? "secret " : "") + parameter.Default switch
    {
        GeneratedDefault { Special: false } generated => $"parameter {parameter.Name}: {generated.MinLength}+ random letters and digits",
        GeneratedDefault generated => $"parameter {parameter.Name}: {generated.MinLength}+ random characters",
        LiteralDefault => $"parameter {parameter.Name}",
        _ => $"parameter {parameter.Name}: required, no default",
    };

    private static void CheckProfileNames(AspireManifest manifest, DeploymentProfile profile)
    {
        foreach (var name in profile.Services.Keys.Where(n => manifest.Find(n) is not ProjectResource))
        {
            throw new GeneratorException($"the deployment profile has a service '{name}', but the manifest has no project of that name; rename or remove the entry.");
        }

        foreach (var name in profile.Datastores.Keys.Where(n => manifest.Find(n) is not ContainerResource))
        {
            throw new GeneratorException($"the deployment profile has a datastore '{name}', but the manifest has no container of that name; rename or remove the entry.");
        }
    }

    private static void CheckServiceProfile(ProjectResource project, ServiceProfile profile)
    {
        if (project.External && profile.PublicPaths.Count == 0)
        {
            throw new GeneratorException(
                $"project '{project.Name}' has an external binding, but the deployment profile lists no public paths for it; the ingress routes only listed paths.");
        }

        if (!project.External && profile.PublicPaths.Count > 0)
        {
            throw new GeneratorException($"project '{project.Name}' has public paths in the deployment profile, but no external binding in the manifest.");
        }

        if (profile.Disruption is not ({ MinAvailable: not null, MaxUnavailable: null } or { MinAvailable: null, MaxUnavailable: not null }))
        {
            throw new GeneratorException($"service '{project.Name}': a disruption budget sets exactly one of MinAvailable and MaxUnavailable.");
        }

        var fewest = profile.Autoscaling?.MinReplicas ?? profile.Replicas;
        if (profile.Disruption.MinAvailable >= fewest)
        {
            throw new GeneratorException(
                $"service '{project.Name}': minAvailable {profile.Disruption.MinAvailable} with {fewest} replica(s) would block every node drain.");
        }
    }

    private static string ShellWord(string word) => PlainWord().IsMatch(word) ? word : $"'{word.Replace("'", "'\\''", StringComparison.Ordinal)}'";

    [GeneratedRegex(@"^[^;&|<>`\n\r]*$")]
    private static partial Regex SimpleCommand();

    [GeneratedRegex(@"^[A-Za-z0-9_./=:,+-]+$")]
    private static partial Regex PlainWord();

    [GeneratedRegex(@"(^|;)\s*Database\s*=\s*(?<name>[^;]+)", RegexOptions.IgnoreCase)]
    private static partial Regex DatabaseName();
}
