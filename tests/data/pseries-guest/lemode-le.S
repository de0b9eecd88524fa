# The little-endian part of lemode.S, assembled little-endian and included as bytes.
# At offset 0 the system-call handler (taken in little-endian mode once H_SET_MODE set
# LPCR[ILE]): back to big-endian at r31. At offset 32 the code entered by rfid with
# MSR[LE] = 1 and r30 = a zeroed 128-byte buffer: loads and stores of every kind, whose
# values (r14-r22) and memory the big-endian part prints.

	.section .text
le_handler:
	mfspr	12,27			# SRR1
	rldicr	12,12,0,62		# without LE
	mtspr	27,12
	mtspr	26,31			# SRR0: the big-endian code
	rfid
	.balign 32
le_start:
	lis	3,0x0102
	ori	3,3,0x0304
	sldi	3,3,32
	oris	3,3,0x0506
	ori	3,3,0x0708		# 0x0102030405060708
	std	3,0(30)
	lbz	14,0(30)
	lhz	15,2(30)
	lwz	16,4(30)
	lwbrx	17,0,30
	lha	18,6(30)
	stw	3,8(30)
	sth	3,12(30)
	stb	3,14(30)
	ld	19,8(30)
	lfd	1,0(30)
	stfd	1,16(30)
	lfs	2,4(30)
	stfs	2,24(30)
	li	10,32
	lxvd2x	0,0,30
	stxvd2x	0,30,10
	li	10,48
	lxvw4x	1,0,30
	stxvw4x	1,30,10
	li	10,64
	lvx	2,0,30
	stvx	2,30,10
	addi	11,30,80
	lwarx	20,0,11
	addi	20,20,0x55
	stwcx.	20,0,11
	lq	22,0(30)		# r22 ← the first doubleword, r23 ← the second
	mr	21,23
	lxv	3,0(30)
	stxv	3,96(30)
	ldbrx	22,0,30
	li	3,0x58			# H_PUT_TERM_CHAR "LE\n"
	lis	4,0x7100
	ori	4,4,1
	li	5,3
	lis	6,0x4c45
	ori	6,6,0x0a00
	sldi	6,6,32
	sc	1
	sc				# back through le_handler
