//! The CPU's migration schema is committed (tests/schema/cpu.json); a change that breaks
//! migration from or to it fails here, listing the breaks.

use ppc_target::{CpuCommon, CpuState, SpaprCpu};
use vmstate::VmState;

#[test]
fn cpu_schema_stays_compatible_with_the_committed_one() {
    vmstate_tools::lock::assert_compatible(
        "tests/schema/cpu.json",
        &[
            ("cpu", <CpuState as VmState>::DESCRIPTION),
            ("cpu_common", <CpuCommon as VmState>::DESCRIPTION),
            ("spapr_cpu", <SpaprCpu as VmState>::DESCRIPTION),
        ],
    );
}
