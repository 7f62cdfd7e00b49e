using Microsoft.Extensions.Options;
using Platform.Contracts.Auth;

namespace Platform.Auth.Plans;

/// <summary>One plan's limits and audit retention, bound from <c>Auth:Plans:&lt;name&gt;</c>.</summary>
public sealed class PlanOptions
{
    public int RequestsPerMinutePerKey { get; set; } = 600;
    public int RequestsPerMinutePerTenant { get; set; } = 3000;
    public int RequestsPerMinutePerKeyAndTool { get; set; } = 300;
    public int ConcurrentCallsPerKey { get; set; } = 16;
    public int AuditRetentionDays { get; set; } = 90;
}

/// <summary>
/// Plans come from configuration and are read through <see cref="IOptionsMonitor{TOptions}"/>, so a changed plan
/// takes effect without a restart. The built-in defaults apply when configuration names none.
/// </summary>
public sealed class PlanCatalog(IOptionsMonitor<AuthOptions> options)
{
    public const string DefaultPlan = "standard";

    private static readonly Dictionary<string, PlanOptions> BuiltIn = new(StringComparer.Ordinal)
    {
        ["free"] = new() { RequestsPerMinutePerKey = 60, RequestsPerMinutePerTenant = 120, RequestsPerMinutePerKeyAndTool = 30, ConcurrentCallsPerKey = 2, AuditRetentionDays = 7 },
        [DefaultPlan] = new(),
        ["enterprise"] = new() { RequestsPerMinutePerKey = 6000, RequestsPerMinutePerTenant = 60000, RequestsPerMinutePerKeyAndTool = 3000, ConcurrentCallsPerKey = 64, AuditRetentionDays = 365 },
    };

    public bool Exists(string plan) => options.CurrentValue.Plans.ContainsKey(plan) || BuiltIn.ContainsKey(plan);

    public IEnumerable<string> Names => options.CurrentValue.Plans.Keys.Union(BuiltIn.Keys).Order(StringComparer.Ordinal);

    public PlanLimits LimitsOf(string plan)
    {
        var limits = options.CurrentValue.Plans.GetValueOrDefault(plan) ?? BuiltIn.GetValueOrDefault(plan) ?? BuiltIn[DefaultPlan];
        return new PlanLimits(plan, limits.RequestsPerMinutePerKey, limits.RequestsPerMinutePerTenant,
            limits.RequestsPerMinutePerKeyAndTool, limits.ConcurrentCallsPerKey, limits.AuditRetentionDays);
    }
}
