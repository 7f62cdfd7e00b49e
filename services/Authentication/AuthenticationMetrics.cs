using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Platform.Authentication;

/// <summary><c>platform.auth.failures</c>: refused credentials by reason (MALFORMED, NOT_FOUND, REVOKED, …).</summary>
public sealed class AuthenticationMetrics
{
    private readonly Counter<long> _failures;

    public AuthenticationMetrics(IMeterFactory meters) =>
        _failures = meters.Create("Platform.Authentication")
            .CreateCounter<long>("platform.auth.failures", description: "Refused bearer credentials by reason.");

    public void Failed(string reason) => _failures.Add(1, new TagList { { "reason", reason } });
}
