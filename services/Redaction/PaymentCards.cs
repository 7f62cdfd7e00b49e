using System.Text;
using System.Text.RegularExpressions;

namespace Platform.Redaction;

/// <summary>Finds Luhn-valid card numbers inside a run of digit groups.</summary>
internal static class PaymentCards
{
    private const int MinDigits = 13;
    private const int MaxDigits = 19;

    /// <summary>
    /// Tries every window of whole groups, not just the whole run, so a card followed by another number
    /// ("4111 1111 1111 1111 2 items") is still found. Groups are never split: "4111-1111-1111-1111" is a card,
    /// but a card hidden mid-group in a longer number is indistinguishable from an id and stays.
    /// </summary>
    public static string Redact(Match run, string text)
    {
        var value = run.Value;
        var groups = SplitGroups(value);
        StringBuilder? result = null;
        var copiedUpTo = 0;

        for (var first = IsFractionOfDecimal(run, text) ? 1 : 0; first < groups.Count; first++)
        {
            var last = LongestCardEndingAt(groups, first, value);
            if (last < 0)
            {
                continue;
            }

            result ??= new StringBuilder(value.Length);
            result.Append(value, copiedUpTo, groups[first].Start - copiedUpTo).Append(Redactor.Mask);
            copiedUpTo = groups[last].Start + groups[last].Length;
            first = last;
        }

        return result is null ? value : result.Append(value, copiedUpTo, value.Length - copiedUpTo).ToString();
    }

    /// <summary>Luhn over ASCII digits, skipping the single-character separators.</summary>
    public static bool PassesLuhn(ReadOnlySpan<char> digitsAndSeparators)
    {
        var sum = 0;
        var doubleIt = false;
        for (var i = digitsAndSeparators.Length - 1; i >= 0; i--)
        {
            var c = digitsAndSeparators[i];
            if (!char.IsAsciiDigit(c))
            {
                continue;
            }

            var digit = c - '0';
            if (doubleIt)
            {
                digit *= 2;
                if (digit > 9)
                {
                    digit -= 9;
                }
            }

            sum += digit;
            doubleIt = !doubleIt;
        }

        return sum % 10 == 0;
    }

    public static bool IsCardNumber(ReadOnlySpan<char> digits) =>
        digits.Length is >= MinDigits and <= MaxDigits && !digits.ContainsAnyExceptInRange('0', '9') && PassesLuhn(digits);

    private static int LongestCardEndingAt(List<(int Start, int Length)> groups, int first, string value)
    {
        var digits = 0;
        var longest = -1;
        for (var last = first; last < groups.Count; last++)
        {
            digits += groups[last].Length;
            if (digits > MaxDigits)
            {
                break;
            }

            var end = groups[last].Start + groups[last].Length;
            if (digits >= MinDigits && PassesLuhn(value.AsSpan(groups[first].Start, end - groups[first].Start)))
            {
                longest = last;
            }
        }

        return longest;
    }

    private static List<(int Start, int Length)> SplitGroups(string run)
    {
        var groups = new List<(int Start, int Length)>();
        var start = 0;
        for (var i = 0; i <= run.Length; i++)
        {
            if (i == run.Length || !char.IsAsciiDigit(run[i]))
            {
                groups.Add((start, i - start));
                start = i + 1;
            }
        }

        return groups;
    }

    // The digits after "3." pass Luhn by chance one time in ten; they are a fraction, not a card.
    private static bool IsFractionOfDecimal(Match run, string text) =>
        run.Index >= 2 && text[run.Index - 1] == '.' && char.IsAsciiDigit(text[run.Index - 2]);
}
