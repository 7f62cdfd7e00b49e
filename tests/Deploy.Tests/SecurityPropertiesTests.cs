using System.Text.RegularExpressions;
using k8s.Models;
using Platform.AppHost.Model;

namespace Platform.Deploy.Tests;

public sealed partial class SecurityPropertiesTests(PublishedOutput published) : IClassFixture<PublishedOutput>
{
    private IEnumerable<V1Deployment> Deployments => published.Objects.OfType<V1Deployment>();

    private IEnumerable<(V1Deployment Deployment, V1Container Container)> Containers =>
        Deployments.SelectMany(d => d.Spec.Template.Spec.Containers.Concat(d.Spec.Template.Spec.InitContainers ?? []).Select(c => (d, c)));

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
    public void Every_image_has_a_pinned_tag_and_none_is_latest()
    {
        var images = Containers.Select(c => c.Container.Image)
            .Concat(PlatformModel.BackingServers.Select(s => s.Image))
            .ToList();
        Assert.NotEmpty(images);
        foreach (var image in images)
        {
            var tag = image[(image.LastIndexOf('/') + 1)..].Split(':') is [_, var t] ? t : null;
            Assert.False(string.IsNullOrEmpty(tag), $"{image} has no tag");
            Assert.NotEqual("latest", tag);
        }

        Assert.All(Containers, c => Assert.Equal($"platform/{c.Container.Name}:{PlatformModel.Version}", c.Container.Image));
    }

    [Fact]
    public void Every_connection_string_and_secret_setting_comes_from_a_secret_that_holds_it()
    {
        var secrets = published.Objects.OfType<V1Secret>().ToDictionary(s => s.Metadata.Name);
        foreach (var (deployment, container) in Containers)
        {
            var service = PlatformModel.Services.Single(s => s.Name == deployment.Metadata.Name);
            var secretVariables = service.Secrets.Select(s => s.Variable)
                .Concat([$"ConnectionStrings__{PlatformModel.Postgres}", $"ConnectionStrings__{PlatformModel.Redis}"]);
            foreach (var variable in secretVariables)
            {
                var env = Assert.Single(container.Env, e => e.Name == variable);
                Assert.Null(env.Value);
                var reference = env.ValueFrom.SecretKeyRef;
                Assert.True(secrets.TryGetValue(reference.Name, out var secret), $"{variable}: no Secret {reference.Name}");
                Assert.Contains(reference.Key, (secret.StringData ?? new Dictionary<string, string>()).Keys.Concat(secret.Data?.Keys ?? []));
            }
        }
    }

    [Fact]
    public void No_config_map_or_plain_environment_value_looks_like_a_secret()
    {
        var plainValues = published.Objects.OfType<V1ConfigMap>()
            .SelectMany(c => (c.Data ?? new Dictionary<string, string>()).Select(d => (Name: $"ConfigMap {c.Metadata.Name}/{d.Key}", d.Key, d.Value)))
            .Concat(Containers.SelectMany(c => c.Container.Env.Where(e => e.ValueFrom is null)
                .Select(e => (Name: $"{c.Container.Name} env {e.Name}", Key: e.Name, e.Value))))
            .ToList();
        Assert.NotEmpty(plainValues);
        foreach (var (name, key, value) in plainValues)
        {
            Assert.False(SecretName().IsMatch(key), $"{name} has a secret-like name but a plain value");
            Assert.False(SecretValue().IsMatch(value ?? ""), $"{name} has a secret-like value");
        }
    }

    [Fact]
    public void Secrets_ship_only_placeholders_for_the_operator_to_replace()
    {
        var values = published.Objects.OfType<V1Secret>()
            .SelectMany(s => (s.StringData ?? new Dictionary<string, string>()).Select(d => (Secret: s.Metadata.Name, d.Key, d.Value)))
            .ToList();
        Assert.NotEmpty(values);
        Assert.All(published.Objects.OfType<V1Secret>(), s => Assert.Null(s.Data));
        foreach (var (secret, key, value) in values)
        {
            if (key is PlatformModel.AdminKeyParameter or PlatformModel.ServiceKeyParameter)
            {
                Assert.True(value.Length == 0, $"{secret}/{key}: a text placeholder would be a usable, published credential");
            }
            else
            {
                Assert.StartsWith("REPLACE-ME:", value, StringComparison.Ordinal);
            }
        }
    }

    // A pepper version name is not a secret; the peppers themselves (Auth__Peppers__<version>) are.
    [GeneratedRegex("password|passwd|secret|token|peppers__|apikey|api_key|adminkey|servicekey|connectionstrings", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    // Connection-string passwords, bearer tokens, our key format, PEM keys, and long high-entropy strings.
    [GeneratedRegex(@"password\s*=|pwd\s*=|bearer\s|mcp_[a-z]+_|-----BEGIN|^[A-Za-z0-9+/_-]{32,}={0,2}$", RegexOptions.IgnoreCase)]
    private static partial Regex SecretValue();
}
