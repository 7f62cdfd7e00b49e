using System.Text.RegularExpressions;
using k8s.Models;
using Platform.Deploy.Profile;

namespace Platform.Deploy.Tests;

public sealed partial class SecurityPropertiesTests(GeneratedOutput generated) : IClassFixture<GeneratedOutput>
{
    private IEnumerable<V1Deployment> Deployments => generated.Objects.OfType<V1Deployment>();

    private IEnumerable<(V1Deployment Deployment, V1Container Container)> Containers =>
        Deployments.SelectMany(d => d.Spec.Template.Spec.Containers.Concat(d.Spec.Template.Spec.InitContainers ?? []).Select(c => (d, c)));

    private IEnumerable<V1Secret> AllSecrets => generated.Objects.Concat(generated.OverlayObjects).OfType<V1Secret>()
        .DistinctBy(s => s.Metadata.Name);

    [Fact]
    public void Every_container_runs_as_non_root_with_a_read_only_root_and_no_privileges()
    {
        Assert.NotEmpty(Containers);
        foreach (var (deployment, container) in Containers)
        {
            var pod = deployment.Spec.Template.Spec.SecurityContext;
            var context = container.SecurityContext;
            Assert.True(context.RunAsNonRoot ?? pod.RunAsNonRoot, container.Name);
            Assert.Equal(10001, context.RunAsUser ?? pod.RunAsUser);
            Assert.True(context.ReadOnlyRootFilesystem, container.Name);
            Assert.False(context.AllowPrivilegeEscalation ?? true, container.Name);
            Assert.False(context.Privileged ?? false, container.Name);
            Assert.Equal(["ALL"], context.Capabilities.Drop);
            Assert.True(context.Capabilities.Add is null or { Count: 0 });
            Assert.Equal("RuntimeDefault", (context.SeccompProfile ?? pod.SeccompProfile).Type);
            Assert.False(deployment.Spec.Template.Spec.AutomountServiceAccountToken ?? true);
        }
    }

    [Fact]
    public void Every_pod_has_an_empty_dir_at_tmp_so_a_read_only_root_still_works()
    {
        foreach (var (deployment, container) in Containers)
        {
            var mount = Assert.Single(container.VolumeMounts, m => m.MountPath == "/tmp");
            var volume = Assert.Single(deployment.Spec.Template.Spec.Volumes, v => v.Name == mount.Name);
            Assert.NotNull(volume.EmptyDir);
        }
    }

    [Fact]
    public void Every_container_probes_the_health_endpoints()
    {
        foreach (var (_, container) in Containers)
        {
            Assert.Equal("/health/live", container.LivenessProbe.HttpGet.Path);
            Assert.Equal("/health/ready", container.ReadinessProbe.HttpGet.Path);
            Assert.Equal("/health/ready", container.StartupProbe.HttpGet.Path);
        }
    }

    [Fact]
    public void Every_container_has_cpu_and_memory_requests_and_limits()
    {
        foreach (var (_, container) in Containers)
        {
            foreach (var resource in new[] { "cpu", "memory" })
            {
                Assert.Contains(resource, container.Resources.Requests.Keys);
                Assert.Contains(resource, container.Resources.Limits.Keys);
            }
        }
    }

    [Fact]
    public void Every_image_has_a_pinned_tag_no_registry_host_and_none_is_latest()
    {
        var images = Containers.Select(c => c.Container.Image)
            .Concat(generated.OverlayObjects.OfType<V1StatefulSet>().Select(s => s.Spec.Template.Spec.Containers.Single().Image))
            .ToList();
        Assert.NotEmpty(images);
        foreach (var image in images)
        {
            var tag = image[(image.LastIndexOf('/') + 1)..].Split(':') is [_, var t] ? t : null;
            Assert.False(string.IsNullOrEmpty(tag), $"{image} has no tag");
            Assert.NotEqual("latest", tag);

            // A first path component with a dot or a port, or localhost, would be a registry host.
            var first = image.Split('/')[0];
            Assert.False(image.Contains('/', StringComparison.Ordinal) && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost"),
                $"{image} names a registry host");
        }

        Assert.All(Containers, c => Assert.Equal($"platform/{c.Container.Name}:{PlatformProfile.Default.Version}", c.Container.Image));
    }

    /// <summary>
    /// Read from the manifest itself: a setting that reaches a secret parameter (directly or through a connection
    /// string that holds one) or a datastore's address is a <c>secretKeyRef</c> to a Secret that has the key.
    /// </summary>
    [Fact]
    public void Every_setting_that_reaches_a_secret_or_a_datastore_comes_from_a_secret_that_holds_it()
    {
        var secrets = generated.Objects.OfType<V1Secret>().ToDictionary(s => s.Metadata.Name);
        var checkedSettings = 0;
        foreach (var (deployment, container) in Containers)
        {
            foreach (var (variable, value) in ManifestFacts.Env(generated.Manifest, deployment.Metadata.Name))
            {
                if (!ManifestFacts.NeedsSecret(generated.Manifest, (string)value!))
                {
                    continue;
                }

                var env = Assert.Single(container.Env, e => e.Name == variable);
                Assert.Null(env.Value);
                var reference = env.ValueFrom.SecretKeyRef;
                Assert.True(secrets.TryGetValue(reference.Name, out var secret), $"{variable}: no Secret {reference.Name}");
                Assert.Contains(reference.Key, secret.StringData.Keys);
                checkedSettings++;
            }
        }

        // postgres ×3, redis ×2 (tool-execution, auth), service key ×3, admin key, pepper, audit signing key.
        Assert.Equal(11, checkedSettings);
    }

    [Fact]
    public void The_audit_checkpoint_signing_key_comes_from_audits_secret_and_ships_empty()
    {
        var audit = Assert.Single(Containers, c => c.Container.Name == "audit").Container;
        var reference = Assert.Single(audit.Env, e => e.Name == "Audit__CheckpointSigningKey").ValueFrom.SecretKeyRef;
        Assert.Equal(("audit-secrets", "audit-signing-key"), (reference.Name, reference.Key));
        Assert.Equal("", Assert.Single(generated.Objects.OfType<V1Secret>(), s => s.Metadata.Name == "audit-secrets").StringData["audit-signing-key"]);
    }

    [Fact]
    public void No_config_map_or_plain_environment_value_looks_like_a_secret()
    {
        var datastoreContainers = generated.OverlayObjects.OfType<V1StatefulSet>().Select(s => s.Spec.Template.Spec.Containers.Single());
        var plainValues = generated.Objects.Concat(generated.OverlayObjects).OfType<V1ConfigMap>()
            .SelectMany(c => (c.Data ?? new Dictionary<string, string>()).Select(d => (Name: $"ConfigMap {c.Metadata.Name}/{d.Key}", d.Key, d.Value)))
            .Concat(Containers.Select(c => c.Container).Concat(datastoreContainers).SelectMany(c => c.Env.Where(e => e.ValueFrom is null)
                .Select(e => (Name: $"{c.Name} env {e.Name}", Key: e.Name, e.Value))))
            .ToList();
        Assert.NotEmpty(plainValues);
        foreach (var (name, key, value) in plainValues)
        {
            Assert.False(SecretName().IsMatch(key), $"{name} has a secret-like name but a plain value");
            Assert.False(SecretValue().IsMatch(value ?? ""), $"{name} has a secret-like value");
        }
    }

    /// <summary>
    /// A placeholder text would be a usable credential once published (the same admin key, service key or database
    /// password in every deployment that forgot it); an empty value makes the services and datastores refuse to start
    /// or to authorize (docs/deploy.md).
    /// </summary>
    [Fact]
    public void Secret_values_ship_empty()
    {
        var values = AllSecrets.SelectMany(s => (s.StringData ?? new Dictionary<string, string>()).Select(d => (Secret: s.Metadata.Name, d.Key, d.Value))).ToList();
        Assert.Equal(
            ["audit-secrets", "auth-secrets", "datastore-credentials", "platform-connection-strings", "tool-execution-secrets"],
            AllSecrets.Select(s => s.Metadata.Name).Order(StringComparer.Ordinal));
        Assert.All(AllSecrets, s => Assert.Null(s.Data));
        Assert.All(values, v => Assert.True(v.Value.Length == 0, $"{v.Secret}/{v.Key} ships a value"));
        Assert.Equal(
            [
                "audit-secrets/audit-signing-key", "audit-secrets/service-key", "auth-secrets/admin-key", "auth-secrets/pepper", "auth-secrets/service-key",
                "datastore-credentials/postgres-server-password", "datastore-credentials/redis-password",
                "platform-connection-strings/postgres", "platform-connection-strings/redis", "tool-execution-secrets/service-key",
            ],
            values.Select(v => $"{v.Secret}/{v.Key}").Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Only behind the ingress is the immediate peer a proxy whose <c>X-Forwarded-For</c> may be trusted; anywhere else a
    /// caller could name its own address to get past a key's allowlist. Aspire's manifest sets the variable on every
    /// project, audit included.
    /// </summary>
    [Fact]
    public void Only_the_services_behind_the_ingress_trust_forwarded_headers()
    {
        var external = ManifestFacts.ExternalProjects(generated.Manifest);
        Assert.Equal(["auth", "tool-execution"], external);
        foreach (var (_, container) in Containers)
        {
            var forwarded = container.Env.SingleOrDefault(e => e.Name == "ASPNETCORE_FORWARDEDHEADERS_ENABLED");
            Assert.Equal(external.Contains(container.Name) ? "true" : null, forwarded?.Value);
        }
    }

    // A pepper version name is not a secret; the peppers themselves (Auth__Peppers__<version>) are.
    [GeneratedRegex("password|passwd|secret|token|peppers__|apikey|api_key|adminkey|servicekey|signingkey|connectionstrings", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    // Connection-string passwords, bearer tokens, our key format, PEM keys, and long high-entropy strings.
    [GeneratedRegex(@"password\s*=|pwd\s*=|bearer\s|mcp_[a-z]+_|-----BEGIN|^[A-Za-z0-9+/_-]{32,}={0,2}$", RegexOptions.IgnoreCase)]
    private static partial Regex SecretValue();
}
