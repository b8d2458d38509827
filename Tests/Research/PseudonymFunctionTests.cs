using Dilemma.Grains.Research;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dilemma.Tests.Research;

/// <summary>The pseudonym function an export uses remembers what it computed; what it hands out stays the documented pseudonym.</summary>
public sealed class PseudonymFunctionTests
{
    [Fact]
    public void Remembered_pseudonyms_are_the_documented_ones_past_the_bound_and_after_it_starts_over()
    {
        var pseudonyms = new Pseudonyms(Options.Create(new PseudonymOptions { Pseudonymise = true, PseudonymKey = PseudonymGatewayFixture.Key }), NullLogger<Pseudonyms>.Instance);
        var of = pseudonyms.For("function-study");

        // More ids than the function remembers (1 << 17), each met twice as rows of one room meet their users, then
        // ids from before the table started over.
        long[] ids = [.. Enumerable.Range(1, 140_000).SelectMany(i => new long[] { i, i }), 1, 70_000, 139_999];
        foreach (var id in ids)
        {
            Assert.Equal(PseudonymTests.Pseudonym("function-study", id), of(id));
        }
    }
}
