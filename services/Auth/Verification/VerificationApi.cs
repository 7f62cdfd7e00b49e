using Platform.Contracts.Auth;
using Platform.Auth.Verification;
using Platform.Authentication;

namespace Platform.Auth.Apis;

public static class VerificationApi
{
    /// <summary>
    /// Internal only: the Kubernetes NetworkPolicy admits other platform services, never the ingress, and a caller must
    /// present the service credential (<see cref="ServiceCredentialFilter"/>). It answers 200 with a status for every
    /// well-formed request; the status is the verdict.
    /// </summary>
    public static IEndpointRouteBuilder MapVerificationApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/internal/keys/verify", async (VerifyKeyRequest request, ICredentialVerifier verifier, CancellationToken ct) =>
            TypedResults.Ok(await verifier.VerifyAsync(request.Key ?? "", request.ClientIp, ct).ConfigureAwait(false)))
            .AddEndpointFilter<ServiceCredentialFilter>()
            .ExcludeFromDescription();
        return app;
    }
}
