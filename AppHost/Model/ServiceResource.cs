namespace Platform.AppHost.Model;

/// <summary>
/// One service of the application model. The same list drives <c>run</c> now and <c>publish</c>
/// (aspire-manifest.json, Kubernetes) later, so it holds only what both need.
/// </summary>
/// <param name="Name">Kebab-case resource name; also the service-discovery key (<c>services__&lt;name&gt;__http__0</c>).</param>
/// <param name="ProjectPath">The .csproj, relative to the repository root or absolute.</param>
/// <param name="External">Reachable from outside the cluster (ingress, network policy), not only by other services.</param>
public sealed record ServiceResource(string Name, string ProjectPath, bool External);
