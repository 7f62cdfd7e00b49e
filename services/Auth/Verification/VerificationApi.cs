using Platform.Contracts.Auth;
using Platform.ServiceDefaults.Authentication;

namespace Platform.Auth.Apis;

public static class VerificationApi
{
    /// <summary>
    /// Internal only: the Kubernetes NetworkPolicy admits other platform services, never the ingress. It answers
    /// 200 with a status for every well-formed request; the status is the verdict.
    /// </summary>
    public static IEndpointRouteBuilder MapVerificationApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/internal/keys/verify", async (VerifyKeyRequest request, ICredentialVerifier verifier, CancellationToken ct) =>
            TypedResults.Ok(await verifier.VerifyAsync(request.Key ?? "", request.ClientIp, ct).ConfigureAwait(false)))
            .ExcludeFromDescription();
        return app;
    }
}
