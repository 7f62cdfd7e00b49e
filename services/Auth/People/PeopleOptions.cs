namespace Platform.Auth.People;

/// <summary>Bound from <c>Auth:People</c>.</summary>
public sealed class PeopleOptions
{
    public const string Section = "Auth:People";

    /// <summary>How long an invitation link works.</summary>
    public TimeSpan InvitationLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// The public URL of Auth that invitation links start with. Unset: the issuer (<c>Auth:Tokens:Issuer</c>), else
    /// Auth's own service URL, else the request's.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>How long a browser session lasts without use (sliding).</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Consecutive failed sign-ins that lock an account.</summary>
    public int FailuresBeforeLockout { get; set; } = 5;

    /// <summary>The first lockout's length; each further one without a success in between doubles it.</summary>
    public TimeSpan FirstLockout { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan MaxLockout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Sign-in attempts per minute for one email address, whatever the outcome (Redis, every replica).</summary>
    public int AttemptsPerMinutePerAccount { get; set; } = 10;

    /// <summary>Sign-in attempts per minute from one client network (an IPv4 address or an IPv6 /64).</summary>
    public int AttemptsPerMinutePerIp { get; set; } = 30;
}
