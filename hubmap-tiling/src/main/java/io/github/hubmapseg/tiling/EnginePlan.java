package io.github.hubmapseg.tiling;

import java.util.List;
import java.util.Locale;

/**
 * How an {@link Engine} pass will use memory, for all members together, computed before it starts.
 *
 * @param members       per member: its own scale's grid and {@link SlidingWindow} plan
 * @param combineBytes  the members' held rows at their scale plus the level-0 rows being combined
 * @param outBandRows   level-0 rows handed to the sinks per call
 * @param budgetBytes   the budget the plan was made for
 */
public record EnginePlan(List<MemberPlan> members, long combineBytes, int outBandRows, long budgetBytes) {

    /** Validates. */
    public EnginePlan {
        members = List.copyOf(members);
    }

    /**
     * One member's plan.
     *
     * @param member    the member
     * @param grid      its grid at its own scale
     * @param plan      its pass's memory plan
     * @param heldRows  rows at its scale held for combination (at most)
     */
    public record MemberPlan(Member member, TileGrid grid, MemoryPlan plan, int heldRows) {
    }

    /** Total planned bytes. */
    public long totalBytes() {
        long t = combineBytes;
        for (MemberPlan m : members) {
            t += m.plan().totalBytes();
        }
        return t;
    }

    /** The plan as lines of text, one per member and a total. */
    public String describe() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < members.size(); i++) {
            MemberPlan m = members.get(i);
            s.append(String.format(Locale.ROOT, "member %d: %s; grid %dx%d at %dx%d, %s (tile rows %s, batches %s, "
                            + "read-ahead %s, band %d rows), held rows %d%n", i, m.member().describe(), m.grid().cols(),
                    m.grid().rows(), m.grid().width(), m.grid().height(), SlidingWindow.mib(m.plan().totalBytes()),
                    SlidingWindow.mib(m.plan().tileStoreBytes()), SlidingWindow.mib(m.plan().batchBytes()),
                    SlidingWindow.mib(m.plan().readAheadBytes()),
                    m.plan().bandRows(), m.heldRows()));
        }
        s.append(String.format(Locale.ROOT, "combine: %s (level-0 band %d rows); total %s of budget %s",
                SlidingWindow.mib(combineBytes), outBandRows, SlidingWindow.mib(totalBytes()),
                SlidingWindow.mib(budgetBytes)));
        return s.toString();
    }
}
