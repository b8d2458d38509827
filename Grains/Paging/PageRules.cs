using Dilemma.Grains.Interfaces.Errors;

namespace Dilemma.Grains.Paging;

/// <summary>The one paging contract of every listing: pages from 1, at most <see cref="MaxPageSize"/> items each.</summary>
public static class PageRules
{
    public const int MaxPageSize = 100;

    public static void ThrowIfInvalid(int page, int pageSize)
    {
        if (page < 1)
        {
            throw RuleViolationException.Invalid("invalid_page", "page", "page starts at 1.");
        }

        if (pageSize is < 1 or > MaxPageSize)
        {
            throw RuleViolationException.Invalid("invalid_page_size", "page_size", $"page_size is from 1 to {MaxPageSize}.");
        }
    }
}
