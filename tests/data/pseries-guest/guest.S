# A bare-metal pseries guest (QEMU's `-M pseries,x-vof=on -kernel`, and `ppc-vm boot`):
# it computes for a while, printing progress on the spapr-vty console, then powers off.
#
# Entered by VOF at 0x400000 in 32-bit real mode. It turns on 64-bit mode and the FP,
# VMX and VSX facilities, then runs ROUNDS rounds over a 4 MiB buffer at 32 MiB: a
# linear congruential generator XORed into every doubleword, a rotating checksum, a
# fused multiply-add on the FP side, and vector loads/stores; a round then waits on the
# time base until 20 ms have passed since it began. Each round prints
# "round 0xNN sum 0x<checksum>" (H_PUT_TERM_CHAR); at the end it prints the FP result and
# calls RTAS power-off (H_RTAS). The output depends on nothing but the code, so a run
# that migrates mid-way prints exactly what an uninterrupted one does.

	.set ROUNDS, 100
	.set WORDS_HI, 8		# 0x80000 doublewords = 4 MiB

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
1:	mflr	30			# r30: where label 1 is
	lis	31,0x200		# r31: the work buffer (32 MiB)
	lis	20,0x1ff		# r20: message scratch (0x1ff0000)
	li	29,0			# round
	li	28,ROUNDS
	lis	25,0x5851		# r25 = 0x5851f42d4c957f2d (LCG multiplier)
	ori	25,25,0xf42d
	sldi	25,25,32
	oris	25,25,0x4c95
	ori	25,25,0x7f2d
	lis	24,0x1405		# r24 = 0x14057b7ef767814f (LCG increment)
	ori	24,24,0x7b7e
	sldi	24,24,32
	oris	24,24,0xf767
	ori	24,24,0x814f
	li	27,1			# x
	li	26,0			# checksum
	addi	3,30,consts-1b
	lfd	1,0(3)			# f1 = 1.0
	lfd	2,8(3)			# f2 = 0.5
	lfd	5,16(3)			# f5 = 2^-64
	addi	3,30,banner-1b
	li	4,banner_end-banner
	bl	puts

round:
	mftb	21			# r21: when the round started
	mr	3,31
	lis	5,WORDS_HI
	mtctr	5
2:	mulld	27,27,25
	add	27,27,24
	ld	6,0(3)
	xor	6,6,27
	std	6,0(3)
	rotldi	7,6,7
	add	26,26,7
	addi	3,3,8
	bdnz	2b
	# FP: f1 = f1 * 0.5 + x * 2^-64
	std	27,64(20)
	lfd	4,64(20)
	fcfid	4,4
	fmul	4,4,5
	fmadd	1,1,2,4
	# VMX: the buffer's first quadword goes through v0 and the VSCR moves
	li	4,0
	lvx	0,31,4
	li	4,128
	stvx	0,20,4
	mfvscr	1
	mtvscr	1
	# pace: a round lasts at least 20 ms of time base (512 MHz), so the guest runs
	# for seconds under any emulator; the output does not depend on it
	lis	4,0x9c
	ori	4,4,0x4000
8:	mftb	5
	subf	5,21,5
	cmpld	5,4
	blt	8b
	addi	29,29,1
	# "round 0xNN sum 0x<16 digits>\n" from its template (VSX copies)
	addi	3,30,tmpl_round-1b
	li	4,0
	lxvd2x	40,3,4
	stxvd2x	40,20,4
	li	4,16
	lxvd2x	41,3,4
	stxvd2x	41,20,4
	li	4,32
	lxvd2x	42,3,4
	stxvd2x	42,20,4
	mr	3,29
	li	4,2
	addi	5,20,8
	bl	hex
	mr	3,26
	li	4,16
	addi	5,20,17
	bl	hex
	mr	3,20
	li	4,34
	bl	puts
	cmpw	29,28
	blt	round

	# "fp 0x<bits of f1>\n"
	addi	3,30,tmpl_fp-1b
	ld	4,0(3)
	std	4,0(20)
	ld	4,8(3)
	std	4,8(20)
	ld	4,16(3)
	std	4,16(20)
	stfd	1,64(20)
	ld	3,64(20)
	li	4,16
	addi	5,20,5
	bl	hex
	mr	3,20
	li	4,22
	bl	puts
	addi	3,30,bye-1b
	li	4,bye_end-bye
	bl	puts
	# RTAS power-off(0, 0): token, nargs 2, nret 1, args, status
	addi	4,20,256
	li	3,0x2003
	stw	3,0(4)
	li	3,2
	stw	3,4(4)
	li	3,1
	stw	3,8(4)
	li	3,0
	stw	3,12(4)
	stw	3,16(4)
	stw	3,20(4)
	ori	3,3,0xf000
	sc	1
3:	b	3b

# puts(r3 = address, r4 = length): H_PUT_TERM_CHAR 16 bytes at a time.
puts:
	mr	9,3
	mr	10,4
4:	cmpdi	10,0
	beqlr
	li	5,16
	cmpdi	10,16
	bge	5f
	mr	5,10
5:	ld	6,0(9)
	ld	7,8(9)
	li	3,0x58
	lis	4,0x7100
	ori	4,4,1
	sc	1
	addi	9,9,16
	subf	10,5,10
	b	4b

# hex(r3 = value, r4 = digits, r5 = destination): the low r4 hex digits of r3.
hex:
	add	5,5,4
6:	addi	5,5,-1
	andi.	6,3,15
	addi	6,6,'0'
	cmpdi	6,'9'
	ble	7f
	addi	6,6,'a'-'9'-1
7:	stb	6,0(5)
	srdi	3,3,4
	addi	4,4,-1
	cmpdi	4,0
	bne	6b
	blr

	.balign 16
consts:
	.quad	0x3ff0000000000000, 0x3fe0000000000000, 0x3bf0000000000000
	.balign 16
tmpl_round:
	.ascii	"round 0x?? sum 0x????????????????\n"
	.balign 16
	.space	16
tmpl_fp:
	.ascii	"fp 0x????????????????\n"
	.balign 8
banner:
	.ascii	"pseries guest: 100 rounds over 4 MiB, 20 ms or more each\n"
banner_end:
	.balign 8
bye:
	.ascii	"done, powering off\n"
bye_end:
	.balign 8
	.space	16
