using System.Runtime.InteropServices;
using Dilemma.Grains.Embedded;

namespace Dilemma.Tests.Hosting;

/// <summary>
/// After an idle compaction embedded mode also gives back what native code freed (issue 18, item 4): glibc keeps
/// freed blocks between live ones resident until <c>malloc_trim</c> releases their pages.
/// </summary>
public sealed class NativeHeapTrimTests
{
    private const int Pairs = 2048;
    private const int BlockBytes = 16 * 1024;

    [Fact]
    public void Freed_native_blocks_between_live_ones_are_given_back_to_the_machine()
    {
        Assert.True(OperatingSystem.IsLinux(), "these tests run on Linux, whose C library (glibc) is what is trimmed");
        var kept = new nint[Pairs];
        var freed = new nint[Pairs];
        try
        {
            for (var i = 0; i < Pairs; i++)
            {
                // Touched, so resident; interleaved, so the freed half is holes the allocator cannot hand back by itself.
                freed[i] = Touched(Marshal.AllocHGlobal(BlockBytes));
                kept[i] = Touched(Marshal.AllocHGlobal(BlockBytes));
            }

            foreach (var block in freed)
            {
                Marshal.FreeHGlobal(block);
            }

            var before = Environment.WorkingSet;
            Assert.True(NativeHeapTrim.Trim(), "32 MB of freed blocks between live ones: malloc_trim gave none of it back");
            var givenBack = before - Environment.WorkingSet;

            // At least three of each freed block's four pages lie wholly inside it; the rest of the process may
            // allocate meanwhile, hence the margin.
            Assert.True(givenBack >= 12 * 1024 * 1024, $"resident memory went down by {givenBack / 1024} KB, not the 24 MB or more freed");
        }
        finally
        {
            foreach (var block in kept)
            {
                Marshal.FreeHGlobal(block);
            }
        }
    }

    private static nint Touched(nint block)
    {
        for (var offset = 0; offset < BlockBytes; offset += 4096)
        {
            Marshal.WriteByte(block, offset, 1);
        }

        return block;
    }
}
