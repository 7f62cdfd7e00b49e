using Microsoft.AspNetCore.Http.HttpResults;
using Platform.ServiceDefaults.Http;

namespace Platform.Auth.Apis;

/// <summary>The Problem Details answers the admin API gives, each with its stable type.</summary>
internal static class AdminProblems
{
    public static ProblemHttpResult Invalid(string detail) =>
        TypedResults.Problem(ProblemTypes.Create(StatusCodes.Status400BadRequest, "Invalid request", detail, ProblemTypes.Validation));

    public static ProblemHttpResult NotFound(string what) =>
        TypedResults.Problem(ProblemTypes.Create(StatusCodes.Status404NotFound, "Not found", $"{what} does not exist."));

    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(ProblemTypes.Create(StatusCodes.Status409Conflict, "Conflict", detail));
}
