using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Audit.Chain;
using Platform.Credentials.Scopes;
using Platform.ServiceDefaults.Authentication;
using Platform.ServiceDefaults.Http;

namespace Platform.Audit.Apis;

public static class AuditApi
{
    public const int MaxPageSize = 500;

    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var audit = app.MapGroup("/audit").RequireScope(Scope.AuditRead);
        audit.MapGet("/records", ListRecordsAsync);
        audit.MapGet("/verify", VerifyAsync).RequireScope(Scope.Admin);
        return app;
    }

    public sealed record AuditRecordsPage(IReadOnlyList<AuditRecord> Records, string? NextCursor);

    /// <summary>
    /// Records in chain order. The cursor is the last seq seen, so a page is stable while new records arrive.
    /// A tenant key with <c>audit:read</c> sees only its own tenant; <c>admin</c> sees all.
    /// </summary>
    public static async Task<Results<Ok<AuditRecordsPage>, ProblemHttpResult>> ListRecordsAsync(
        ClaimsPrincipal user, IQuerySession session, CancellationToken ct,
        string? tenant = null, string? keyId = null, string? tool = null, string? action = null, string? outcome = null,
        DateTimeOffset? from = null, DateTimeOffset? to = null, string? cursor = null, int limit = 100)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            return TypedResults.Problem(ProblemTypes.Create(StatusCodes.Status400BadRequest, "Invalid limit",
                $"limit must be between 1 and {MaxPageSize}.", ProblemTypes.Validation));
        }

        long after = 0;
        if (cursor is not null && (!long.TryParse(cursor, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out after)))
        {
            return TypedResults.Problem(ProblemTypes.Create(StatusCodes.Status400BadRequest, "Invalid cursor",
                "The cursor is not one this API returned.", ProblemTypes.Validation));
        }

        if (!user.HasScope(Scope.Admin))
        {
            var own = user.TenantOf();
            if (tenant is not null && tenant != own)
            {
                return TypedResults.Problem(ProblemTypes.Create(StatusCodes.Status403Forbidden, "Forbidden",
                    "A tenant key can read only its own tenant's audit records."));
            }

            tenant = own;
        }

        IQueryable<AuditRecord> query = session.Query<AuditRecord>().Where(r => r.Seq > after);
        if (tenant is not null) query = query.Where(r => r.TenantId == tenant);
        if (keyId is not null) query = query.Where(r => r.KeyId == keyId);
        if (tool is not null) query = query.Where(r => r.Target == "tool:" + tool);
        if (action is not null) query = query.Where(r => r.Action == action);
        if (outcome is not null) query = query.Where(r => r.Outcome == outcome);
        if (from is not null) query = query.Where(r => r.At >= from.Value);
        if (to is not null) query = query.Where(r => r.At < to.Value);

        var records = await query.OrderBy(r => r.Seq).Take(limit).ToListAsync(ct).ConfigureAwait(false);
        var next = records.Count == limit ? records[^1].Seq.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        return TypedResults.Ok(new AuditRecordsPage(records, next));
    }

    /// <summary>Verifies the whole chain, page by page, with constant memory.</summary>
    public static async Task<Ok<VerificationReport>> VerifyAsync(IQuerySession session, CancellationToken ct)
    {
        const int page = 5000;
        var verifier = new ChainVerifier();
        long after = 0;
        while (!verifier.IsBroken)
        {
            var records = await session.Query<AuditRecord>().Where(r => r.Seq > after).OrderBy(r => r.Seq).Take(page).ToListAsync(ct).ConfigureAwait(false);
            foreach (var record in records)
            {
                verifier.Add(record);
            }

            if (records.Count < page)
            {
                break;
            }

            after = records[^1].Seq;
        }

        var head = await session.LoadAsync<ChainHead>(ChainHead.SingletonId, ct).ConfigureAwait(false);
        var result = verifier.Result();
        if (result.Ok && head is not null && head.Seq != result.Checked)
        {
            // The tail was cut: the head remembers a longer chain than the table holds.
            result = new VerificationReport(false, result.Checked, result.Checked + 1, $"the chain head is at seq {head.Seq} but only {result.Checked} records exist (records were deleted from the tail)");
        }

        return TypedResults.Ok(result);
    }
}
