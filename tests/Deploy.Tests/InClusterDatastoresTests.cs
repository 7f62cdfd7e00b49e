using k8s.Models;
using Platform.AppHost.Model;
using Platform.AppHost.Publishing.Kubernetes;

namespace Platform.Deploy.Tests;

/// <summary>
/// The optional in-cluster PostgreSQL and Redis (deploy/overlays/in-cluster-datastores): StatefulSets on
/// PersistentVolumeClaims, never emptyDir for data, as locked down as the services.
/// </summary>
public sealed class InClusterDatastoresTests(PublishedOutput published) : IClassFixture<PublishedOutput>
{
    private IEnumerable<V1StatefulSet> StatefulSets => published.OverlayObjects.OfType<V1StatefulSet>();

    [Fact]
    public void The_base_keeps_the_datastores_external()
    {
        Assert.Empty(published.Objects.OfType<V1StatefulSet>());
        Assert.DoesNotContain(published.Objects.OfType<V1Service>(), s => s.Metadata.Name is PlatformModel.PostgresServer or PlatformModel.Redis);
    }

    [Fact]
    public void The_overlay_adds_a_stateful_set_and_headless_service_per_datastore_on_top_of_the_whole_base()
    {
        Assert.Equal(
            PlatformModel.BackingServers.Select(b => b.Name).Order(StringComparer.Ordinal),
            StatefulSets.Select(s => s.Metadata.Name).Order(StringComparer.Ordinal));
        foreach (var server in PlatformModel.BackingServers)
        {
            var service = Assert.Single(published.OverlayObjects.OfType<V1Service>(), s => s.Metadata.Name == server.Name);
            Assert.Equal("None", service.Spec.ClusterIP);
        }

        Assert.All(published.Objects.OfType<V1Deployment>(), d => Assert.Contains(published.OverlayObjects.OfType<V1Deployment>(), o => o.Metadata.Name == d.Metadata.Name));
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
    public void Passwords_come_from_a_secret_with_placeholders_and_never_from_the_spec()
    {
        var credentials = Assert.Single(published.OverlayObjects.OfType<V1Secret>(), s => s.Metadata.Name == Datastores.CredentialsSecret);
        Assert.All(credentials.StringData.Values, v => Assert.StartsWith(Secrets.PlaceholderPrefix, v, StringComparison.Ordinal));
        foreach (var container in StatefulSets.Select(s => s.Spec.Template.Spec.Containers.Single()))
        {
            var password = Assert.Single(container.Env, e => e.Name.EndsWith("_PASSWORD", StringComparison.Ordinal));
            Assert.Null(password.Value);
            Assert.Equal(Datastores.CredentialsSecret, password.ValueFrom.SecretKeyRef.Name);
        }
    }

    [Fact]
    public void Only_platform_services_reach_a_datastore_and_a_datastore_reaches_nothing()
    {
        var services = PlatformModel.Services.Select(s => s.Name).Order(StringComparer.Ordinal).ToList();
        foreach (var server in PlatformModel.BackingServers)
        {
            var policy = Assert.Single(published.OverlayObjects.OfType<V1NetworkPolicy>(), p => p.Metadata.Name == server.Name);
            Assert.Equal(["Ingress", "Egress"], policy.Spec.PolicyTypes);
            Assert.Empty(policy.Spec.Egress ?? []);
            var rule = Assert.Single(policy.Spec.Ingress);
            Assert.Equal(services, rule.FromProperty.Select(p => p.PodSelector.MatchLabels["app.kubernetes.io/name"]).Order(StringComparer.Ordinal));
            Assert.Equal(server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(rule.Ports).Port.Value);
        }
    }
}
