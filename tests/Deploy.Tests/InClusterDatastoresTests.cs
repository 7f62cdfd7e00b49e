using System.Diagnostics;
using k8s.Models;

namespace Platform.Deploy.Tests;

/// <summary>
/// The optional in-cluster datastores (deploy/overlays/in-cluster-datastores): one StatefulSet per container of the
/// manifest, on PersistentVolumeClaims, never emptyDir for data, as locked down as the services.
/// </summary>
public sealed class InClusterDatastoresTests(GeneratedOutput generated) : IClassFixture<GeneratedOutput>, IDisposable
{
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), $"platform-redis-{Guid.NewGuid():N}");

    private IEnumerable<V1StatefulSet> StatefulSets => generated.OverlayObjects.OfType<V1StatefulSet>();

    private List<string> Containers => ManifestFacts.Containers(generated.Manifest);

    private V1Container ContainerOf(string datastore) =>
        Assert.Single(StatefulSets, s => s.Metadata.Name == datastore).Spec.Template.Spec.Containers.Single();

    [Fact]
    public void The_base_keeps_the_datastores_external()
    {
        Assert.Empty(generated.Objects.OfType<V1StatefulSet>());
        Assert.DoesNotContain(generated.Objects.OfType<V1Service>(), s => Containers.Contains(s.Metadata.Name));
    }

    [Fact]
    public void The_overlay_adds_a_stateful_set_and_headless_service_per_manifest_container_on_top_of_the_whole_base()
    {
        Assert.Equal(["postgres-server", "redis"], Containers);
        Assert.Equal(Containers, StatefulSets.Select(s => s.Metadata.Name));
        foreach (var container in Containers)
        {
            var service = Assert.Single(generated.OverlayObjects.OfType<V1Service>(), s => s.Metadata.Name == container);
            Assert.Equal("None", service.Spec.ClusterIP);
            var targetPort = (int)ManifestFacts.Resources(generated.Manifest)[container]!["bindings"]!["tcp"]!["targetPort"]!;
            Assert.Equal(targetPort, Assert.Single(service.Spec.Ports).Port);
        }

        Assert.All(generated.Objects.OfType<V1Deployment>(), d => Assert.Contains(generated.OverlayObjects.OfType<V1Deployment>(), o => o.Metadata.Name == d.Metadata.Name));
    }

    [Fact]
    public void Each_datastore_runs_the_manifests_image_and_settings()
    {
        foreach (var name in Containers)
        {
            var resource = ManifestFacts.Resources(generated.Manifest)[name]!;
            var container = ContainerOf(name);
            Assert.Equal((string)resource["image"]!, container.Image);
            foreach (var (variable, value) in resource["env"]!.AsObject())
            {
                var env = Assert.Single(container.Env, e => e.Name == variable);
                Assert.Equal(((string)value!).Contains('{', StringComparison.Ordinal) ? null : (string)value!, env.Value);
            }
        }

        // The database the manifest's value.v0 resource names (Aspire's AddDatabase) is created at first start.
        Assert.Equal("platform", Assert.Single(ContainerOf("postgres-server").Env, e => e.Name == "POSTGRES_DB").Value);
        Assert.Equal(["-c", "autovacuum_naptime=2s", "-c", "max_connections=300"], ContainerOf("postgres-server").Args);
    }

    [Fact]
    public void Data_lives_on_a_retained_persistent_volume_claim_never_on_an_empty_dir()
    {
        foreach (var set in StatefulSets)
        {
            var claim = Assert.Single(set.Spec.VolumeClaimTemplates);
            Assert.True(claim.Spec.Resources.Requests.ContainsKey("storage"), set.Metadata.Name);
            Assert.Equal("Retain", set.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted);

            var container = Assert.Single(set.Spec.Template.Spec.Containers);
            var dataMount = Assert.Single(container.VolumeMounts, m => m.Name == claim.Metadata.Name);
            Assert.DoesNotContain(set.Spec.Template.Spec.Volumes, v => v.Name == dataMount.Name);
            // The only emptyDirs are scratch space, never the data path.
            var emptyDirs = set.Spec.Template.Spec.Volumes.Where(v => v.EmptyDir is not null).Select(v => v.Name).ToHashSet();
            Assert.All(container.VolumeMounts.Where(m => emptyDirs.Contains(m.Name)), m => Assert.NotEqual(dataMount.MountPath, m.MountPath));
        }

        // PostgreSQL keeps its cluster in a subdirectory of the claim (a fresh volume's root may hold lost+found).
        var postgres = ContainerOf("postgres-server");
        var data = Assert.Single(postgres.VolumeMounts, m => m.Name == "data").MountPath;
        var pgdata = Assert.Single(postgres.Env, e => e.Name == "PGDATA").Value;
        Assert.StartsWith(data + "/", pgdata, StringComparison.Ordinal);
    }

    [Fact]
    public void Datastore_containers_are_locked_down_probed_and_bounded_like_the_services()
    {
        foreach (var set in StatefulSets)
        {
            var pod = set.Spec.Template.Spec;
            var container = Assert.Single(pod.Containers);
            Assert.True(pod.SecurityContext.RunAsNonRoot);
            Assert.False(pod.AutomountServiceAccountToken);
            Assert.True(container.SecurityContext.RunAsNonRoot);
            Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
            Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
            Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
            Assert.Equal("RuntimeDefault", container.SecurityContext.SeccompProfile.Type);
            Assert.NotNull(container.ReadinessProbe);
            Assert.NotNull(container.LivenessProbe);
            Assert.NotNull(container.StartupProbe);
            Assert.True(container.Resources.Limits.ContainsKey("memory") && container.Resources.Requests.ContainsKey("cpu"), set.Metadata.Name);
            Assert.DoesNotContain(":latest", container.Image, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Passwords_come_from_a_secret_that_ships_empty_and_never_from_the_spec()
    {
        var credentials = Assert.Single(generated.OverlayObjects.OfType<V1Secret>(), s => s.Metadata.Name == "datastore-credentials");
        Assert.Equal(["postgres-server-password", "redis-password"], credentials.StringData.Keys.Order(StringComparer.Ordinal));
        Assert.All(credentials.StringData.Values, v => Assert.Equal("", v));
        foreach (var container in StatefulSets.Select(s => s.Spec.Template.Spec.Containers.Single()))
        {
            var password = Assert.Single(container.Env, e => e.Name.EndsWith("_PASSWORD", StringComparison.Ordinal));
            Assert.Null(password.Value);
            Assert.Equal("datastore-credentials", password.ValueFrom.SecretKeyRef.Name);
            Assert.DoesNotContain(container.Args ?? [], a => a.Contains("password=", StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public void Only_the_services_that_use_a_datastore_reach_it_and_a_datastore_reaches_nothing()
    {
        foreach (var container in Containers)
        {
            var clients = ManifestFacts.Projects(generated.Manifest).Where(p => ManifestFacts.DatastoresOf(generated.Manifest, p).Contains(container));
            var policy = Assert.Single(generated.OverlayObjects.OfType<V1NetworkPolicy>(), p => p.Metadata.Name == container);
            Assert.Equal(["Ingress", "Egress"], policy.Spec.PolicyTypes);
            Assert.Empty(policy.Spec.Egress ?? []);
            var rule = Assert.Single(policy.Spec.Ingress);
            Assert.Equal(clients, rule.FromProperty.Select(p => p.PodSelector.MatchLabels["app.kubernetes.io/name"]));
            Assert.Equal(Assert.Single(Assert.Single(generated.OverlayObjects.OfType<V1Service>(), s => s.Metadata.Name == container).Spec.Ports).Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Assert.Single(rule.Ports).Port.Value);
        }
    }

    /// <summary>
    /// The manifest's Redis command (<c>/bin/sh -c "redis-server --requirepass $REDIS_PASSWORD"</c>) runs here with a
    /// stand-in redis-server: with the Secret still empty it must not start at all (an empty requirepass would mean no
    /// password), and with a password the server replaces the shell (exec), so it gets SIGTERM and stops cleanly.
    /// </summary>
    [Theory]
    [InlineData("")]
    [InlineData("s3cret")]
    public async Task Redis_refuses_to_start_without_a_password_and_otherwise_becomes_the_containers_main_process(string password)
    {
        var container = ContainerOf("redis");
        Assert.Equal(["/bin/sh"], container.Command);
        Directory.CreateDirectory(_scratch);
        var fake = Path.Combine(_scratch, "redis-server");
        await File.WriteAllTextAsync(fake, "#!/bin/sh\necho \"pid=$$ args=$*\"\n", TestContext.Current.CancellationToken);
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var start = new ProcessStartInfo(container.Command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in container.Args)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PATH"] = $"{_scratch}:/usr/bin:/bin";
        start.Environment["REDIS_PASSWORD"] = password;
        using var shell = Process.Start(start)!;
        var output = await shell.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = await shell.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await shell.WaitForExitAsync(TestContext.Current.CancellationToken);

        if (password.Length == 0)
        {
            Assert.NotEqual(0, shell.ExitCode);
            Assert.Equal("", output);
            Assert.Contains("set redis-password in the Secret datastore-credentials", error, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(0, shell.ExitCode);
            Assert.Equal($"pid={shell.Id} args=--requirepass s3cret --appendonly yes --dir /data\n", output);
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_scratch))
        {
            Directory.Delete(_scratch, recursive: true);
        }
    }
}
