using System.Security.Claims;
using Marten;
using Npgsql;
using Microsoft.AspNetCore.Http.HttpResults;
using System.Buffers;
using System.Buffers.Text;
using Platform.Audit.Chain;
using Platform.Audit.Checkpoints;
using Platform.Audit.Export;
using Platform.Credentials.Scopes;
using Platform.Authentication;
using Platform.ServiceDefaults.Http;

namespace Platform.Audit.Apis;

public static class AuditApi
{
    public const int MaxPageSize = 500;

    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var audit = app.MapGroup("/audit").RequireScope(Scope.AuditRead);
        audit.MapGet("/records", ListRecordsAsync);
        // The chain is shared by all tenants, so verifying it is the platform operator's view.
        audit.MapGet("/verify", VerifyAsync).RequirePlatformAdmin();
        audit.MapGet("/export", ExportAsync);
        app.MapGet("/audit/checkpoint-keys", CheckpointKeysAsync).AllowAnonymous();
        return app;
    }

    public sealed record AuditRecordsPage(IReadOnlyList<AuditRecord> Records, string? NextCursor);

    /// <summary>
    /// Records in chain order. The cursor is the last seq seen, so a page is stable while new records arrive.
    /// A tenant key with <c>audit:read</c> sees only its own tenant; <c>admin</c> sees all.
    /// </summary>
    public static async Task<Results<Ok<AuditRecordsPage>, ProblemHttpResult>> ListRecordsAsync(
        ClaimsPrincipal user, NpgsqlDataSource database, CancellationToken ct,
        string? tenant = null, string? keyId = null, string? tool = null, string? action = null, string? outcome = null,
        DateTimeOffset? from = null, DateTimeOffset? to = null, string? cursor = null, int limit = 100,
        string? person = null, string? client = null)
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

        var (scoped, forbidden) = TenantVisibleTo(user, tenant);
        if (forbidden is not null)
        {
            return forbidden;
        }

        tenant = scoped;

        await using var command = database.CreateCommand();
        var sql = new System.Text.StringBuilder($"select {ChainTable.Columns} from {ChainTable.Name} where seq > $1");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
        void Where<T>(string condition, T value)
        {
            command.Parameters.Add(new NpgsqlParameter<T> { TypedValue = value });
            sql.Append(System.Globalization.CultureInfo.InvariantCulture, $" and {condition} ${command.Parameters.Count}");
        }

        if (tenant is not null) Where("tenant_id =", tenant);
        if (keyId is not null) Where("key_id =", keyId);
        if (person is not null) Where("person_id =", person);
        if (client is not null) Where("client_id =", client);
        if (tool is not null) Where("target =", "tool:" + tool);
        if (action is not null) Where("action =", action);
        if (outcome is not null) Where("outcome =", outcome);
        if (from is not null) Where("at >=", from.Value.ToUniversalTime());
        if (to is not null) Where("at <", to.Value.ToUniversalTime());
        command.CommandText = sql.Append(System.Globalization.CultureInfo.InvariantCulture, $" order by seq limit {limit}").ToString();
        var records = await ChainTable.ReadAllAsync(command, ct).ConfigureAwait(false);
        var next = records.Count == limit ? records[^1].Seq.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        return TypedResults.Ok(new AuditRecordsPage(records, next));
    }

    /// <summary>
    /// Verifies the whole chain from its anchor, records and checkpoints, streamed from one snapshot with constant
    /// memory. Head, anchor and records come from the same snapshot, so appends or pruning meanwhile cannot make an
    /// intact chain look cut.
    /// </summary>
    public static async Task<Ok<VerificationReport>> VerifyAsync(NpgsqlDataSource database, CheckpointSigner signer, AuditMetrics metrics, CancellationToken ct)
    {
        await using var chain = await ChainReader.OpenAsync(database, ct).ConfigureAwait(false);
        var anchor = await chain.AnchorAsync(ct).ConfigureAwait(false);
        var head = await chain.HeadAsync(ct).ConfigureAwait(false);
        var verifier = new ChainVerifier(anchor?.Seq ?? 0, anchor?.Hash, await signer.KeyRingAsync(ct).ConfigureAwait(false));
        if (anchor is not null)
        {
            verifier.Add(anchor);
        }

        await foreach (var item in chain.ReadAsync(anchor?.Seq ?? 0, null, ct).ConfigureAwait(false))
        {
            verifier.Add(item);
            if (verifier.IsBroken)
            {
                break;
            }
        }

        var result = verifier.Result();
        if (result.Ok && head is not null && head.Seq != verifier.LastSeq)
        {
            // The tail was cut: the head remembers a longer chain than the table holds.
            result = result with
            {
                Ok = false, FirstBrokenSeq = verifier.LastSeq + 1,
                Reason = $"the chain head is at seq {head.Seq} but the records end at seq {verifier.LastSeq} (records were deleted from the tail)",
            };
        }

        if (!result.Ok)
        {
            metrics.VerifyFailed();
        }

        return TypedResults.Ok(result);
    }

    public sealed record CheckpointKey(string Kid, string Alg, string Crv, string X, string Y, string PublicKeyPem);

    public sealed record CheckpointKeys(IReadOnlyList<CheckpointKey> Keys);

    /// <summary>The checkpoint verification key(s), as JWK coordinates and SubjectPublicKeyInfo PEM. Public by design.</summary>
    public static async Task<Ok<CheckpointKeys>> CheckpointKeysAsync(CheckpointSigner signer, CancellationToken ct)
    {
        var (keyId, publicKey) = await signer.PublicKeyAsync(ct).ConfigureAwait(false);
        var parameters = publicKey.ExportParameters(false);
        return TypedResults.Ok(new CheckpointKeys([new CheckpointKey(keyId, CheckpointSignature.Algorithm, "P-256",
            Base64Url.EncodeToString(parameters.Q.X), Base64Url.EncodeToString(parameters.Q.Y), publicKey.ExportSubjectPublicKeyInfoPem())]));
    }

    /// <summary>
    /// Streams the chain as NDJSON from one snapshot with constant memory (<see cref="NdjsonExport.WriteChainAsync"/>).
    /// A filtered export (tenant, from, to) is marked incomplete.
    /// </summary>
    public static async Task<IResult> ExportAsync(
        HttpContext http, ClaimsPrincipal user, NpgsqlDataSource database, CancellationToken ct,
        string? format = null, DateTimeOffset? from = null, DateTimeOffset? to = null, string? tenant = null)
    {
        if (format != "ndjson")
        {
            return TypedResults.Problem(ProblemTypes.Create(StatusCodes.Status400BadRequest, "Unsupported format",
                "format must be 'ndjson'.", ProblemTypes.Validation));
        }

        if (from is not null && to is not null && from > to)
        {
            return TypedResults.Problem(ProblemTypes.Create(StatusCodes.Status400BadRequest, "Invalid range",
                "from must not be after to.", ProblemTypes.Validation));
        }

        var (scoped, forbidden) = TenantVisibleTo(user, tenant);
        if (forbidden is not null)
        {
            return forbidden;
        }

        var filter = scoped is null && from is null && to is null ? null : new ChainFilter(scoped, from, to);
        await using var chain = await ChainReader.OpenAsync(database, ct).ConfigureAwait(false);
        http.Response.ContentType = NdjsonExport.ContentType;
        http.Response.Headers.ContentDisposition = "attachment; filename=\"audit-export.ndjson\"";
        await NdjsonExport.WriteChainAsync(http.Response.BodyWriter, chain, filter, ct).ConfigureAwait(false);
        return TypedResults.Empty;
    }

    /// <summary>
    /// Which tenant's records a caller may see: the platform admin any (the one it asked for, or all); a tenant key,
    /// even a tenant's admin key, only its own, which is also its default.
    /// </summary>
    private static (string? Tenant, ProblemHttpResult? Forbidden) TenantVisibleTo(ClaimsPrincipal user, string? requested)
    {
        if (user.IsPlatformAdmin())
        {
            return (requested, null);
        }

        var own = user.TenantOf();
        return requested is not null && requested != own
            ? (null, TypedResults.Problem(ProblemTypes.Create(StatusCodes.Status403Forbidden, "Forbidden",
                "A tenant key can read only its own tenant's audit records.")))
            : (own, null);
    }
}
