namespace Platform.Auth.People;

/// <summary>The lockout policy as a pure function: what a sign-in attempt's outcome appends to the person's stream.</summary>
public static class SignInDecider
{
    public sealed record Policy(int FailuresBeforeLockout, TimeSpan FirstLockout, TimeSpan MaxLockout)
    {
        public static Policy From(PeopleOptions options) => new(Math.Max(1, options.FailuresBeforeLockout), options.FirstLockout, options.MaxLockout);
    }

    public static bool IsLockedOut(Member member, DateTimeOffset now) => member.LockedUntil is { } until && until > now;

    /// <summary>A failure; the one that reaches the threshold also locks the account, each lockout twice as long as the last.</summary>
    public static IReadOnlyList<object> Failed(Member member, string reason, Policy policy, DateTimeOffset now)
    {
        var failed = new SignInFailed(member.Id, reason, now);
        if (member.ConsecutiveFailures + 1 < policy.FailuresBeforeLockout)
        {
            return [failed];
        }

        var length = LockoutLength(member.Lockouts, policy);
        return [failed, new SignInLockedOut(member.Id, now + length, member.ConsecutiveFailures + 1, now)];
    }

    public static TimeSpan LockoutLength(int previousLockouts, Policy policy)
    {
        var doublings = Math.Min(previousLockouts, 30);
        var length = policy.FirstLockout * Math.Pow(2, doublings);
        return length > policy.MaxLockout ? policy.MaxLockout : length;
    }

    public static SignInSucceeded Succeeded(Member member, IReadOnlyList<string> methods, DateTimeOffset now) => new(member.Id, methods, now);
}
