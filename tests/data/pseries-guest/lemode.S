# A bare-metal pseries guest that runs little-endian code: it asks for little-endian
# interrupts (H_SET_MODE), enters code assembled little-endian (lemode-le.S) by rfid
# with MSR[LE] set, comes back through a system call taken in little-endian mode, and
# prints on the spapr-vty what the little-endian loads and stores produced (registers
# and memory, read big-endian), so its console under ppc-vm can be compared with QEMU's.
# Then it powers off.

	.set MSG, 0x3e0000		# message scratch
	.set DATA, 0x3d0000		# the little-endian code's buffer

	.section .text
	.globl _start
_start:
	mfmsr	3
	ori	3,3,0x2000		# FP
	oris	3,3,0x0280		# VEC, VSX
	li	4,1
	rldicr	4,4,63,0		# SF
	or	3,3,4
	mtmsrd	3
	isync
	bl	1f
1:	mflr	28			# r28: where label 1 is
	lis	24,MSG@h
	ori	24,24,MSG@l
	addi	3,28,hello-1b
	li	4,hello_end-hello
	bl	puts
	li	4,1			# little-endian interrupts
	bl	set_mode
	# the handler to 0xc00, a zeroed buffer
	li	3,0xc00
	addi	4,28,le_blob-1b
	bl	copy16
	li	3,0xc10
	addi	4,28,le_blob+16-1b
	bl	copy16
	lis	30,DATA@h
	ori	30,30,DATA@l
	li	5,0
	li	6,16
2:	std	5,0(30)
	addi	30,30,8
	addi	6,6,-1
	cmpdi	6,0
	bne	2b
	addi	30,30,-128
	isync
	# rfid into the little-endian code; it returns to 3f
	addi	31,28,3f-1b
	addi	3,28,le_blob+32-1b
	mtspr	26,3
	mfmsr	3
	ori	3,3,1			# LE
	mtspr	27,3
	rfid
3:	mfmsr	4
	addi	3,28,r_msr-1b
	bl	report
	li	4,0			# big-endian interrupts again
	bl	set_mode
	mr	4,14
	addi	3,28,r_lbz-1b
	bl	report
	mr	4,15
	addi	3,28,r_lhz-1b
	bl	report
	mr	4,16
	addi	3,28,r_lwz-1b
	bl	report
	mr	4,17
	addi	3,28,r_lwbrx-1b
	bl	report
	mr	4,18
	addi	3,28,r_lha-1b
	bl	report
	mr	4,19
	addi	3,28,r_ld-1b
	bl	report
	mr	4,20
	addi	3,28,r_larx-1b
	bl	report
	mr	4,21
	addi	3,28,r_lq-1b
	bl	report
	mr	4,22
	addi	3,28,r_ldbrx-1b
	bl	report
	# the buffer, as big-endian doublewords
	li	27,0
4:	ldx	4,30,27
	addi	3,28,r_mem-1b
	bl	report
	addi	27,27,8
	cmpdi	27,112
	bne	4b
	# RTAS power-off
	addi	4,24,256
	li	3,0x2003
	stw	3,0(4)
	li	3,2
	stw	3,4(4)
	li	3,1
	stw	3,8(4)
	li	3,0
	stw	3,12(4)
	stw	3,16(4)
	ori	3,3,0xf000
	sc	1
5:	b	5b

# set_mode(r4 = 1: little-endian interrupts, 0: big-endian): H_SET_MODE, its status
# reported (r27 keeps the return address).
set_mode:
	mflr	27
	li	3,0x31c
	li	5,4
	li	6,0
	li	7,0
	sc	1
	mr	4,3
	addi	3,28,r_mode-1b
	bl	report
	mtlr	27
	blr

	.include "lib.S"

	.balign 8
hello:	.ascii	"big-endian start\n"
hello_end:
r_mode:	.ascii	"set mode"
r_msr:	.ascii	"msr     "
r_lbz:	.ascii	"lbz     "
r_lhz:	.ascii	"lhz     "
r_lwz:	.ascii	"lwz     "
r_lwbrx:.ascii	"lwbrx   "
r_lha:	.ascii	"lha     "
r_ld:	.ascii	"ld      "
r_larx:	.ascii	"lwarx+  "
r_lq:	.ascii	"lq low  "
r_ldbrx:.ascii	"ldbrx   "
r_mem:	.ascii	"memory  "
	.balign 32
le_blob:
	.incbin	"lemode-le.bin"
