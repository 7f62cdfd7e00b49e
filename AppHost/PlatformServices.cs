using Platform.Provisioning;

namespace Platform.AppHost;

/// <summary>What every platform service gets, and the operator commands the dashboard offers on them.</summary>
public static class PlatformServices
{
    public static IResourceBuilder<ProjectResource> AsPlatformService(
        this IResourceBuilder<ProjectResource> service, IResourceBuilder<IResourceWithConnectionString> postgres, PlatformSecrets secrets) =>
        service
            // Not behind DCP's proxy: clients reach the service itself, as in a deployment, with no extra hop to measure.
            .WithHttpEndpoint(isProxied: false)
            // Services read Aspire's ConnectionStrings__* and services__* only; the per-property variables would be more
            // copies of the same secrets in every deployment.
            .WithAnnotation(new ReferenceEnvironmentInjectionAnnotation(ReferenceEnvironmentInjectionFlags.ConnectionString | ReferenceEnvironmentInjectionFlags.ServiceDiscovery))
            .WithReference(postgres).WaitFor(postgres)
            // Auth checks it on its internal endpoints; the other services present it there.
            .WithEnvironment("Platform__ServiceKey", secrets.ServiceKey)
            .WithHttpHealthCheck("/health/ready")
            // A local run is Development (dev-only conveniences such as a generated audit signing key); a deployment
            // sets its own.
            .WithEnvironment(context =>
            {
                if (context.ExecutionContext.IsRunMode)
                {
                    context.EnvironmentVariables["ASPNETCORE_ENVIRONMENT"] = service.ApplicationBuilder.Environment.EnvironmentName;
                }
            });

    /// <summary>
    /// Gives the service the URL of each of <paramref name="services"/> (<c>services__&lt;name&gt;__http__0</c>), its own
    /// included, as every service had before the AppHost moved onto Aspire: Auth issues tokens for ToolExecution's
    /// <c>/mcp</c> (the default audience) with its own URL as issuer, and ToolExecution checks both against the same
    /// variables. Without them <c>/oauth/token</c> answers 400 <c>invalid_target</c>. A run only: a deployment's
    /// manifests set them (deploy/k8s), and the published Aspire manifest stays as it is.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithServiceUrls(this IResourceBuilder<ProjectResource> service, params IResourceBuilder<ProjectResource>[] services)
    {
        if (service.ApplicationBuilder.ExecutionContext.IsRunMode)
        {
            service.WithEnvironment(context =>
            {
                // A test or bench run may leave some services out (AppHostRun's keep); there is no URL to give for those.
                foreach (var other in services.Where(s => service.ApplicationBuilder.Resources.Contains(s.Resource)))
                {
                    context.EnvironmentVariables[$"services__{other.Resource.Name}__http__0"] = other.GetEndpoint("http");
                }
            });
        }

        return service;
    }

    /// <summary>
    /// Reached from outside the cluster. Behind an ingress the peer is the ingress controller, so client IPs (allowlists,
    /// per-IP limits) come from X-Forwarded-For; the generated network policies admit only the ingress and platform pods.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AsPublicService(this IResourceBuilder<ProjectResource> service)
    {
        service.WithExternalHttpEndpoints();
        return service.ApplicationBuilder.ExecutionContext.IsPublishMode
            ? service.WithEnvironment("ASPNETCORE_FORWARDEDHEADERS_ENABLED", "true")
            : service;
    }

    /// <summary>
    /// Audit signs checkpoints with a key that must outlive any one database. A local run (Development) generates one and
    /// keeps it in Audit's schema; a deployment supplies its own PKCS#8 PEM ECDSA P-256 key, so the manifest asks for it.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithCheckpointSigningKey(this IResourceBuilder<ProjectResource> audit)
    {
        var builder = audit.ApplicationBuilder;
        return builder.ExecutionContext.IsPublishMode
            ? audit.WithEnvironment("Audit__CheckpointSigningKey", builder.AddParameter("audit-signing-key", secret: true))
            : audit;
    }

    /// <summary>Shows the bootstrap admin key in the dashboard, for an operator who lost the first run's output.</summary>
    public static IResourceBuilder<ProjectResource> WithAdminKeyCommand(this IResourceBuilder<ProjectResource> auth, PlatformSecrets secrets) =>
        auth.WithCommand("show-admin-key", "Show the bootstrap admin key", async context =>
            CommandResults.Success(
                "The bootstrap admin key: a root credential, keep it secret.",
                await secrets.AdminKey.Resource.GetValueAsync(context.CancellationToken).ConfigureAwait(false) ?? "",
                CommandResultFormat.Text,
                displayImmediately: true),
            new CommandOptions { IconName = "Key", ConfirmationMessage = "Show the root credential on screen?" });

    /// <summary>Runs <c>GET /audit/verify</c> with the admin key and shows whether the chain is intact.</summary>
    public static IResourceBuilder<ProjectResource> WithAuditChainCommand(this IResourceBuilder<ProjectResource> audit, PlatformSecrets secrets) =>
        audit.WithHttpCommand("/audit/verify", "Verify the audit chain", commandName: "verify-audit-chain", commandOptions: new HttpCommandOptions
        {
            Method = HttpMethod.Get,
            IconName = "ShieldCheckmark",
            PrepareRequest = AsAdmin(secrets),
            GetCommandResult = async result =>
            {
                var body = await result.Response.Content.ReadAsStringAsync(result.CancellationToken).ConfigureAwait(false);
                return result.Response.IsSuccessStatusCode && body.Contains("\"ok\":true", StringComparison.Ordinal)
                    ? CommandResults.Success("The audit chain verifies.", body, CommandResultFormat.Json, displayImmediately: true)
                    : CommandResults.Failure($"The audit chain does not verify ({(int)result.Response.StatusCode}).", body, CommandResultFormat.Json);
            },
        });

    /// <summary>
    /// Runs <c>POST /admin/signing-keys/rotate</c> with the admin key: new access tokens are signed with a new key, and
    /// tokens signed with the old one keep validating (the JWKS lists both) until they expire.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithSigningKeyRotationCommand(this IResourceBuilder<ProjectResource> auth, PlatformSecrets secrets) =>
        auth.WithHttpCommand("/admin/signing-keys/rotate", "Rotate the token signing key", commandName: "rotate-signing-key", commandOptions: new HttpCommandOptions
        {
            Method = HttpMethod.Post,
            IconName = "ArrowSync",
            ConfirmationMessage = "Sign new access tokens with a new key? Tokens signed with the current key stay valid until they expire.",
            PrepareRequest = AsAdmin(secrets),
            GetCommandResult = async result =>
            {
                var body = await result.Response.Content.ReadAsStringAsync(result.CancellationToken).ConfigureAwait(false);
                return result.Response.IsSuccessStatusCode
                    ? CommandResults.Success("New access tokens are signed with the new key.", body, CommandResultFormat.Json, displayImmediately: true)
                    : CommandResults.Failure($"The signing key was not rotated ({(int)result.Response.StatusCode}).", body, CommandResultFormat.Json);
            },
        });

    private static Func<HttpCommandRequestContext, Task> AsAdmin(PlatformSecrets secrets) => async request =>
    {
        var key = await secrets.AdminKey.Resource.GetValueAsync(request.CancellationToken).ConfigureAwait(false);
        request.Request.Headers.Authorization = new("Bearer", key);
    };
}
