# A bare-metal pseries guest that exercises the supervisor side of the CPU and prints
# what it saw on the spapr-vty, so its console under ppc-vm can be compared with QEMU's:
# interrupts (program: illegal, trap; system call; FP unavailable; decrementer) with
# their SRR0/SRR1 and rfid, 32-bit mode, the SLB instructions, an unknown hypervisor
# call and RTAS calls. Then it powers off. (Problem state cannot be tried in real mode:
# setting MSR[PR] turns relocation on, as the ISA says.)
#
# Handlers are copied to the real-mode vectors; each logs (vector, SRR0, SRR1) and
# returns: past the instruction (program; a system call's SRR0 already is), with the
# facility on (FP unavailable), with the decrementer re-armed (decrementer).

	.set LOG, 0x3f0000		# the interrupt log (vector, srr0, srr1) x 16
	.set COMMON, 0x3000		# the common handler, copied here
	.set MSG, 0x3e0000		# message scratch

	.section .text
	.globl _start
_start:
	mfmsr	3
	ori	3,3,0x2000		# FP
	li	4,1
	rldicr	4,4,63,0		# SF
	or	3,3,4
	mtmsrd	3
	isync
	bl	1f
1:	mflr	30			# r30: where label 1 is
	lis	25,LOG@h		# r25: the log's next entry
	ori	25,25,LOG@l
	lis	24,MSG@h
	ori	24,24,MSG@l
	# copy the handler stubs to their vectors and the common part to COMMON
	li	3,0x600
	addi	4,30,stub_600-1b
	bl	copy16
	li	3,0x700
	addi	4,30,stub_700-1b
	bl	copy16
	li	3,0x800
	addi	4,30,stub_800-1b
	bl	copy16
	li	3,0x900
	addi	4,30,stub_900-1b
	bl	copy16
	li	3,0xc00
	addi	4,30,stub_c00-1b
	bl	copy16
	li	3,COMMON
	addi	4,30,common-1b
	li	5,(common_end-common)/16+1
2:	bl	copy16
	addi	3,3,16
	addi	4,4,16
	addi	5,5,-1
	cmpdi	5,0
	bne	2b
	isync
	addi	3,30,hello-1b
	li	4,hello_end-hello
	bl	puts

	# 1. a system call from supervisor state (its handler returns past it)
	sc
	# 2. an illegal instruction, 3. a trap
	.long	0
	li	3,0
	tw	4,3,3			# trap if equal: always
	# 4. FP unavailable: FP off, then fadd (the handler turns FP on; fadd runs again)
	mfmsr	3
	li	4,0x2000
	andc	3,3,4			# FP off
	mtmsrd	3
	addi	5,30,consts-1b
	lfd	1,0(5)
	lfd	2,8(5)
	fadd	3,1,2
	stfd	3,0(24)
	ld	26,0(24)		# r26 = the sum's bits
	# 5. the decrementer with EE on: wait for its interrupt
	mr	27,25			# the log's end before the interrupt can come
	li	3,1000
	mtspr	22,3			# DEC
	mfmsr	3
	ori	3,3,0x8000		# EE
	mtmsrd	3
4:	cmpld	25,27			# until the log grew
	beq	4b
	mfmsr	3
	li	4,0x7fff
	addi	4,4,1			# 0x8000: EE
	andc	3,3,4			# EE off
	mtmsrd	3
	# 6. 32-bit mode: addi with a carry out of the low word, CR0 on the low word
	lis	5,-1			# r5 = 0xffffffffffff0000
	ori	5,5,0xfff0		# r5 = 0xfffffffffffffff0
	rldicl	5,5,0,32		# r5 = 0x00000000fffffff0
	mfmsr	3
	li	4,1
	rldicr	4,4,63,0
	andc	3,3,4			# SF off
	mtmsrd	3
	addic.	16,5,0x20		# 0x1_0000_0010; CR0 from 0x00000010: GT
	mfcr	15
	addi	8,5,0x1000		# an EA past 4 GiB wraps to 0xff0 ...
	li	9,0x77
	stb	9,0(8)			# ... so the byte lands at 0xff0
	li	3,1
	rldicr	3,3,63,0
	mfmsr	4
	or	3,3,4
	mtmsrd	3			# SF back on
	# 7. the SLB
	lis	5,0x1234
	ori	5,5,0x5000
	sldi	5,5,12			# vsid | flags
	lis	6,0x1000
	ori	6,6,0x0003
	oris	6,6,0x0800		# esid 1 (0x10000000), V, index 3
	slbmte	5,6
	li	7,3
	slbmfee	17,7
	slbmfev	18,7
	slbia
	slbmfee	19,7
	# 8. an unknown hypervisor call
	li	3,0x7ffc
	sc	1
	mr	14,3

	# report
	addi	3,30,r_fp-1b
	mr	4,26
	bl	report
	addi	3,30,r_cr-1b
	mr	4,15
	bl	report
	addi	3,30,r_ea-1b
	li	4,0xff0
	lbz	4,0(4)
	bl	report
	addi	3,30,r_wrap-1b
	mr	4,16
	bl	report
	addi	3,30,r_slbe-1b
	mr	4,17
	bl	report
	addi	3,30,r_slbv-1b
	mr	4,18
	bl	report
	addi	3,30,r_slbia-1b
	mr	4,19
	bl	report
	addi	3,30,r_hcall-1b
	mr	4,14
	bl	report
	# the interrupt log: vector, SRR0, SRR1 (the decrementer's SRR0 depends on when)
	lis	28,LOG@h
	ori	28,28,LOG@l
5:	cmpld	28,25
	bge	6f
	addi	3,30,r_vec-1b
	ld	4,0(28)
	bl	report
	ld	4,0(28)
	cmpdi	4,0x900
	beq	7f
	addi	3,30,r_srr0-1b
	ld	4,8(28)
	bl	report
	addi	3,30,r_srr1-1b
	ld	4,16(28)
	bl	report
7:	addi	28,28,24
	b	5b
6:	# RTAS display-character 'X', then power-off
	addi	4,24,256
	li	3,0x2000
	stw	3,0(4)
	li	3,1
	stw	3,4(4)
	stw	3,8(4)
	li	3,'X'
	stw	3,12(4)
	li	3,0
	ori	3,3,0xf000
	sc	1
	li	3,10
	stw	3,12(4)
	li	3,0
	ori	3,3,0xf000
	sc	1
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
8:	b	8b

	.include "lib.S"

# Vector stubs (16 bytes each, copied): r20 = SRR0, r21 = SRR1, r22 = the vector.
	.balign 16
stub_600:
	mfspr	20,26
	mfspr	21,27
	li	22,0x600
	ba	COMMON
stub_700:
	mfspr	20,26
	mfspr	21,27
	li	22,0x700
	ba	COMMON
stub_800:
	mfspr	20,26
	mfspr	21,27
	li	22,0x800
	ba	COMMON
stub_900:
	mfspr	20,26
	mfspr	21,27
	li	22,0x900
	ba	COMMON
stub_c00:
	mfspr	20,26
	mfspr	21,27
	li	22,0xc00
	ba	COMMON

# The common handler (copied to COMMON): log, then return as the vector needs.
	.balign 16
common:
	std	22,0(25)
	std	20,8(25)
	std	21,16(25)
	addi	25,25,24
	cmpdi	22,0x700
	bne	13f
	addi	20,20,4			# program: past the instruction
	mtspr	26,20
	rfid
13:	cmpdi	22,0xc00
	bne	14f
	rfid				# system call: return past it
14:	cmpdi	22,0x800
	bne	15f
	ori	21,21,0x2000		# FP unavailable: return with FP on
	mtspr	27,21
	rfid
15:	lis	23,0x7fff		# decrementer: re-arm far away
	mtspr	22,23
	rfid
common_end:

	.balign 8
consts:
	.quad	0x3ff8000000000000, 0x4004000000000000	# 1.5, 2.5
hello:
	.ascii	"sysmode guest\n"
hello_end:
	.balign 8
r_fp:	.ascii	"fp sum  "
r_cr:	.ascii	"cr32    "
r_ea:	.ascii	"ea wrap "
r_wrap:	.ascii	"addic32 "
r_slbe:	.ascii	"slb esid"
r_slbv:	.ascii	"slb vsid"
r_slbia:.ascii	"slbia   "
r_hcall:.ascii	"hcall   "
r_vec:	.ascii	"vector  "
r_srr0:	.ascii	" srr0   "
r_srr1:	.ascii	" srr1   "
	.balign 8
	.space	16
