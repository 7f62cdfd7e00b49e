using Platform.Contracts.Auth;

namespace Platform.Authentication;

/// <summary>
/// Verifies a bearer API key. Auth answers from its own store; every other service asks Auth over HTTP
/// behind a cache (<see cref="CachingHttpCredentialVerifier"/>).
/// </summary>
public interface ICredentialVerifier
{
    ValueTask<VerifyKeyResponse> VerifyAsync(string key, string? clientIp, CancellationToken cancellationToken);
}
