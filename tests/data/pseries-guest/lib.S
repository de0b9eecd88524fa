# The routines the guests share: copy16, report (a label and a value in hex, on the
# console; r24 = a scratch buffer, r29 is used), puts (H_PUT_TERM_CHAR), hex.

# copy16(r3 = destination, r4 = source): 16 bytes
copy16:
	ld	6,0(4)
	std	6,0(3)
	ld	6,8(4)
	std	6,8(3)
	blr

# report(r3 = an 8-byte label, r4 = value): "label 0x<16 digits>\n"
report:
	mflr	29
	ld	6,0(3)
	std	6,0(24)
	li	6,' '
	stb	6,8(24)
	li	6,'0'
	stb	6,9(24)
	li	6,'x'
	stb	6,10(24)
	li	6,10
	stb	6,27(24)
	mr	3,4
	li	4,16
	addi	5,24,11
	bl	hex
	mr	3,24
	li	4,28
	bl	puts
	mtlr	29
	blr

# puts(r3 = address, r4 = length)
puts:
	mr	9,3
	mr	10,4
9:	cmpdi	10,0
	beqlr
	li	5,16
	cmpdi	10,16
	bge	10f
	mr	5,10
10:	ld	6,0(9)
	ld	7,8(9)
	li	3,0x58
	lis	4,0x7100
	ori	4,4,1
	sc	1
	addi	9,9,16
	subf	10,5,10
	b	9b

# hex(r3 = value, r4 = digits, r5 = destination)
hex:
	add	5,5,4
11:	addi	5,5,-1
	andi.	6,3,15
	addi	6,6,'0'
	cmpdi	6,'9'
	ble	12f
	addi	6,6,'a'-'9'-1
12:	stb	6,0(5)
	srdi	3,3,4
	addi	4,4,-1
	cmpdi	4,0
	bne	11b
	blr

